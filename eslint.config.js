// Lint: typescript-eslint recommended rules on all TypeScript roots; build output and deps ignored.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.dev-build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': 'off',
    },
  },
  {
    // Build scripts are plain CommonJS run by Node.
    files: ['scripts/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read untyped JSON from the API under test.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Layering (DESIGN.md): state machines never import hal or src; hal never imports state-machines or src.
    files: ['state-machines/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/hal/**', '**/src/**', '../hal/*', '../src/*'] }] },
  },
  {
    files: ['hal/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/state-machines/**', '**/src/**', '../state-machines/*', '../src/*'] }] },
  },
);
