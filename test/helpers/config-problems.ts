// The problem lines a configuration text gets from parseConfig (empty when it is accepted), for schema tests.

import { ConfigError, parseConfig } from '../../src/config/load.js';

export function configProblems(text: string, source = 'config.yaml'): string[] {
  try {
    parseConfig(text, source);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
