// The `hal` section of the configuration file: which drivers, and for real hardware the pin map (BCM
// numbers), buses, device paths and calibration. Owns: its zod schema, defaults and cross-checks (no pin
// used twice, every required pin present, buses that exist). Must not: touch hardware or read files.

import { z } from 'zod';
import { PP_DEFAULT_PULL_UP_OHMS, type GpioPin, type RpiHwConfig } from '../../hal/config.js';
import { worstDetectionMs } from '../../hal/rpi/pilot-timing.js';
import { checkGridMeter, gridMeterSchema, meterSchema } from './meter-schema.js';

const error = (what: string) => ({ error: what });

function intIn(min: number, max: number) {
  const e = `an integer between ${min} and ${max}`;
  return z.int(error(e)).min(min, error(e)).max(max, error(e));
}

const path = (what: string) => z.string(error(`a path to ${what}`)).min(1, error(`a path to ${what}`));

/** A BCM GPIO number, or { pin, activeLow }. */
const gpioPin = (activeLowDefault = false) =>
  z
    .union([intIn(0, 27), z.strictObject({ pin: intIn(0, 27), activeLow: z.boolean(error('true or false')).default(activeLowDefault) })], {
      error: 'a BCM GPIO number 0-27, or { pin: N, activeLow: true|false }',
    })
    .transform((v): GpioPin => (typeof v === 'number' ? { pin: v, activeLow: activeLowDefault } : v));

const calibration = z.strictObject({ scale: z.number(error('a number')), offset: z.number(error('a number')) });

const adcSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('mcp3008'),
      device: path('an SPI device such as /dev/spidev0.0').default('/dev/spidev0.0'),
      speedHz: intIn(10_000, 3_600_000).default(1_000_000),
      highChannel: intIn(0, 7).default(0),
      lowChannel: intIn(0, 7).default(1),
      vrefV: z.number(error('a number')).positive(error('a positive number')).default(3.3),
    }),
    z.strictObject({
      type: z.literal('ads1115'),
      bus: intIn(0, 10).default(1),
      address: intIn(0x48, 0x4b).default(0x48),
      highChannel: intIn(0, 3).default(0),
      lowChannel: intIn(0, 3).default(1),
      fullScaleV: z.literal([6.144, 4.096, 2.048, 1.024, 0.512, 0.256], error('one of 6.144, 4.096, 2.048, 1.024, 0.512, 0.256')).default(4.096),
    }),
  ],
  error('an ADC: { type: mcp3008 | ads1115, ... }'),
);

/** REFERENCE.md 1.3: an unplug or C->B must be seen within this time. */
const DETECTION_LIMIT_MS = 100;

const pilotSchema = z.strictObject({
  pwm: z
    .strictObject({ sysfsRoot: path('the sysfs PWM class').default('/sys/class/pwm'), chip: intIn(0, 15).default(0), channel: intIn(0, 3).default(0) })
    .prefault({}),
  adc: adcSchema,
  // Default: a divider mapping -12..+12 V on the CP to 0.3..3.0 V at the ADC, on both peak channels.
  calibration: z
    .strictObject({ high: calibration.default({ scale: 8.889, offset: -14.667 }), low: calibration.default({ scale: 8.889, offset: -14.667 }) })
    .prefault({}),
  // REFERENCE 1.3: unplug / C->B seen within 100 ms. The worst case per ADC (pilot-sampler.ts
  // worstDetectionMs) is checked below: up to 25 ms with an MCP3008, 20 ms with an ADS1115.
  sampleIntervalMs: intIn(5, 25).default(20),
  peakReset: gpioPin().optional(),
  enable: gpioPin().optional(),
}).superRefine((pilot, ctx) => {
  const ms = pilot.sampleIntervalMs;
  if (!Number.isInteger(ms) || ms < 5 || ms > 25) return; // already refused by the range check
  const worst = worstDetectionMs(ms, pilot.adc.type);
  if (worst <= DETECTION_LIMIT_MS) return;
  let fastest = pilot.sampleIntervalMs;
  while (fastest > 5 && worstDetectionMs(fastest, pilot.adc.type) > DETECTION_LIMIT_MS) fastest--;
  ctx.addIssue({
    code: 'custom',
    path: ['sampleIntervalMs'],
    message: `with an ${pilot.adc.type} a CP change would take up to ${worst} ms to detect (limit ${DETECTION_LIMIT_MS} ms)`,
    params: { expected: `at most ${fastest}`, found: pilot.sampleIntervalMs },
  });
});

const temperatureSchema = z.discriminatedUnion(
  'driver',
  [
    z.strictObject({ driver: z.literal('cpu'), path: path('a millidegree file').default('/sys/class/thermal/thermal_zone0/temp') }),
    z.strictObject({ driver: z.literal('ds18b20'), path: path('a 1-wire sensor file such as /sys/bus/w1/devices/28-.../temperature') }),
  ],
  error('a temperature sensor: { driver: cpu | ds18b20 }'),
);

// The socket's PP on a spare channel of the pilot's MCP3008 (hal/rpi/proximity.ts): pulled up through
// pullUpOhms to pullUpV (absent: the ADC's vrefV). Cross-checked below: socket only, MCP3008 only.
const ohms = error('a number of ohms between 100 and 10000');
const proximitySchema = z.strictObject({
  channel: intIn(0, 7).default(2),
  pullUpOhms: z.number(ohms).min(100, ohms).max(10_000, ohms).default(PP_DEFAULT_PULL_UP_OHMS),
  pullUpV: z.number(error('a positive number of volts')).positive(error('a positive number of volts')).optional(),
});

const connectorHwSchema = z.strictObject({
  pilot: pilotSchema,
  contactor: z.strictObject({ coil: gpioPin(), mirror: gpioPin(true).optional() }),
  rcd: z.strictObject({ trip: gpioPin(true), test: gpioPin().optional() }),
  lock: z.strictObject({ motorA: gpioPin(), motorB: gpioPin(), feedback: gpioPin(true).optional(), pulseMs: intIn(50, 2000).default(300) }).optional(),
  led: z.strictObject({ red: gpioPin().optional(), green: gpioPin().optional(), blue: gpioPin().optional() }).prefault({}),
  meter: meterSchema.prefault({ driver: 'estimated' }),
  temperature: temperatureSchema.prefault({ driver: 'cpu' }),
  proximity: proximitySchema.optional(),
});

const busSchema = z.strictObject({
  id: z.string(error('a bus name')).min(1).default('rs485'),
  port: path('a serial port such as /dev/ttyUSB0 or /dev/ttyAMA0'),
  baud: z.literal([1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200], error('one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200')).default(9600),
  parity: z.enum(['none', 'even', 'odd'], error('one of none, even, odd')).default('none'),
  stopBits: z.literal([1, 2], error('1 or 2')).default(1),
  timeoutMs: intIn(50, 10_000).default(500),
  retries: intIn(0, 5).default(1),
});

const rfidSchema = z.discriminatedUnion(
  'driver',
  [
    z.strictObject({ driver: z.literal('none') }),
    z.strictObject({ driver: z.literal('mfrc522'), pollMs: intIn(50, 5000).default(300), holdOffMs: intIn(0, 60_000).default(3000) }),
  ],
  error('an RFID reader: { driver: none | mfrc522 } (hal.driver sim always has the simulated reader)'),
);

export const halSchema = z
  .strictObject(
    {
      driver: z.enum(['sim', 'rpi']).default('sim'),
      gpio: z
        .strictObject({
          sysfsRoot: path('the sysfs GPIO class').default('/sys/class/gpio'),
          chipLabel: z.string(error('a gpiochip label or "auto"')).min(1).default('auto'),
          debounceMs: intIn(0, 1000).default(10),
        })
        .prefault({}),
      modbus: z.array(busSchema, error('a list of Modbus buses')).default([]),
      rfid: rfidSchema.prefault({ driver: 'none' }),
      connectors: z.array(connectorHwSchema, error('a list with one hardware entry per connector')).default([]),
      gridMeter: gridMeterSchema.optional(),
    },
    error('a mapping with keys: driver, gpio, modbus, rfid, connectors, gridMeter'),
  )
  .superRefine((hal, ctx) => {
    checkGridMeter(hal, ctx);
    if (hal.driver !== 'rpi') return;
    checkBuses(hal, ctx);
    checkPins(hal, ctx);
    checkChannels(hal, ctx);
    checkProximity(hal, ctx);
  });

export type HalSection = z.infer<typeof halSchema>;

// Compile-time check: the validated section is what the real drivers are built from.
const _shape: (h: HalSection) => RpiHwConfig = (h) => h;
void _shape;

type Ctx = z.core.$RefinementCtx<HalSection>;

function issue(ctx: Ctx, path: (string | number)[], message: string, expected: string, found: unknown): void {
  ctx.addIssue({ code: 'custom', message, path, params: { expected, found } });
}

function checkBuses(hal: HalSection, ctx: Ctx): void {
  const ids = hal.modbus.map((b) => b.id);
  hal.modbus.forEach((b, i) => {
    if (ids.indexOf(b.id) !== i) issue(ctx, ['modbus', i, 'id'], 'bus id used twice', 'a unique bus id', b.id);
  });
  // Two bus objects on one serial port would interleave frames.
  const ports = hal.modbus.map((b) => b.port);
  hal.modbus.forEach((b, i) => {
    const first = ports.indexOf(b.port);
    if (first !== i) issue(ctx, ['modbus', i, 'port'], `port already used by hal.modbus[${first}]`, 'one bus per serial port (several meters share a bus by address)', b.port);
  });
  const meters = new Map<string, number>();
  hal.connectors.forEach((c, i) => {
    if (c.meter.driver !== 'modbus') return;
    if (!ids.includes(c.meter.bus)) {
      issue(ctx, ['connectors', i, 'meter', 'bus'], 'no such bus', `one of the hal.modbus ids (${ids.join(', ') || 'none defined'})`, c.meter.bus);
    }
    const key = `${c.meter.bus}#${c.meter.address}`;
    const prev = meters.get(key);
    if (prev !== undefined) {
      issue(ctx, ['connectors', i, 'meter', 'address'], `the meter of hal.connectors[${prev}] already has this address on bus ${c.meter.bus}`, 'one meter per connector: a unique address on the bus', c.meter.address);
    } else meters.set(key, i);
  });
}

/**
 * The pilot's PWM channel and ADC channels belong to one connector: two connectors reading one CP line
 * would close a contactor on another connector's vehicle.
 */
function checkChannels(hal: HalSection, ctx: Ctx): void {
  const owner = new Map<string, string>();
  const claim = (key: string, name: string, path: (string | number)[], found: unknown): void => {
    const prev = owner.get(key);
    if (prev !== undefined) issue(ctx, path, `already used by ${prev}`, 'a channel of its own for every connector', found);
    else owner.set(key, name);
  };
  hal.connectors.forEach((c, i) => {
    const { pwm, adc } = c.pilot;
    claim(`pwm:${pwm.sysfsRoot}:${pwm.chip}:${pwm.channel}`, `hal.connectors[${i}].pilot.pwm`, ['connectors', i, 'pilot', 'pwm', 'channel'], `pwmchip${pwm.chip} channel ${pwm.channel}`);
    if (adc.highChannel === adc.lowChannel) {
      issue(ctx, ['connectors', i, 'pilot', 'adc', 'lowChannel'], 'the negative peak needs its own ADC channel', `a channel other than highChannel ${adc.highChannel}`, adc.lowChannel);
    }
    const device = adc.type === 'ads1115' ? `i2c-${adc.bus}@0x${adc.address.toString(16)}` : adc.device;
    for (const which of adc.highChannel === adc.lowChannel ? (['highChannel'] as const) : (['highChannel', 'lowChannel'] as const)) {
      claim(`adc:${device}:${adc[which]}`, `hal.connectors[${i}].pilot.adc.${which}`, ['connectors', i, 'pilot', 'adc', which], `${device} channel ${adc[which]}`);
    }
    const pp = c.proximity?.channel;
    if (pp !== undefined) claim(`adc:${device}:${pp}`, `hal.connectors[${i}].proximity.channel`, ['connectors', i, 'proximity', 'channel'], `${device} channel ${pp}`);
  });
}

/** A PP entry needs a socket (a tethered cable has none), an MCP3008 pilot ADC and a pull-up within its range. */
function checkProximity(hal: HalSection, ctx: Ctx): void {
  hal.connectors.forEach((c, i) => {
    const pp = c.proximity;
    if (!pp) return;
    const at = ['connectors', i, 'proximity'];
    if (!c.lock) issue(ctx, at, 'a tethered cable has no PP to read (this connector has no lock entry)', 'no proximity entry on a tethered connector', 'a proximity entry');
    const adc = c.pilot.adc;
    if (adc.type !== 'mcp3008') {
      const msg = "the proximity entry reads the PP on this ADC, and an ADS1115's 2 ms conversions would interleave with the CP sampler's";
      issue(ctx, ['connectors', i, 'pilot', 'adc', 'type'], msg, 'mcp3008 (or no proximity entry)', adc.type);
    } else if (pp.pullUpV !== undefined && pp.pullUpV > adc.vrefV) {
      issue(ctx, [...at, 'pullUpV'], `above the ADC's vrefV ${adc.vrefV} V: an open PP would saturate the ADC and read as a cable`, `at most ${adc.vrefV}`, pp.pullUpV);
    }
  });
}

/** Every pin a connector uses, with the config path that names it. */
function connectorPins(c: HalSection['connectors'][number], i: number): [string, number][] {
  const at = (p: string) => `hal.connectors[${i}].${p}`;
  const pins: [string, GpioPin | undefined][] = [
    [at('contactor.coil'), c.contactor.coil],
    [at('contactor.mirror'), c.contactor.mirror],
    [at('rcd.trip'), c.rcd.trip],
    [at('rcd.test'), c.rcd.test],
    [at('lock.motorA'), c.lock?.motorA],
    [at('lock.motorB'), c.lock?.motorB],
    [at('lock.feedback'), c.lock?.feedback],
    [at('led.red'), c.led.red],
    [at('led.green'), c.led.green],
    [at('led.blue'), c.led.blue],
    [at('pilot.peakReset'), c.pilot.peakReset],
    [at('pilot.enable'), c.pilot.enable],
  ];
  const used = pins.filter((p): p is [string, GpioPin] => p[1] !== undefined).map(([name, p]) => [name, p.pin] as [string, number]);
  // Hardware PWM on a Pi <= 4: pwmchip0 channel 0 is GPIO18, channel 1 is GPIO19 (dtoverlay=pwm-2chan).
  if (c.pilot.pwm.chip === 0) used.push([at('pilot.pwm (hardware PWM pin)'), c.pilot.pwm.channel === 0 ? 18 : 19]);
  if (c.pilot.adc.type === 'ads1115' && c.pilot.adc.bus === 1) used.push([at('pilot.adc (I2C1 SDA)'), 2], [at('pilot.adc (I2C1 SCL)'), 3]);
  if (c.pilot.adc.type === 'mcp3008' && c.pilot.adc.device.startsWith('/dev/spidev0.')) {
    used.push([at('pilot.adc (SPI0 MISO)'), 9], [at('pilot.adc (SPI0 MOSI)'), 10], [at('pilot.adc (SPI0 SCLK)'), 11]);
  }
  return used;
}

function checkPins(hal: HalSection, ctx: Ctx): void {
  const owner = new Map<number, string>();
  // Shared bus pins may be listed by several connectors; only a second *kind* of use is a conflict.
  const claim = (name: string, pin: number, path: (string | number)[]): void => {
    const prev = owner.get(pin);
    const kind = (n: string) => n.replace(/^hal\.connectors\[\d+\]\./, '');
    if (prev !== undefined && !(kind(prev) === kind(name) && /\((I2C1|SPI0|hardware PWM)/.test(name))) {
      issue(ctx, path, `GPIO${pin} is already used by ${prev}`, 'a GPIO that no other function uses', pin);
      return;
    }
    owner.set(pin, name);
  };
  if (hal.rfid.driver === 'mfrc522') {
    // mfrc522-rpi bit-bangs SPI through rpio on physical pins 19/21/23/24 and resets on 22.
    for (const [what, pin] of [['MOSI', 10], ['MISO', 9], ['SCLK', 11], ['CS', 8], ['RST', 25]] as const) claim(`hal.rfid (MFRC522 ${what})`, pin, ['rfid', 'driver']);
  }
  hal.connectors.forEach((c, i) => {
    for (const [name, pin] of connectorPins(c, i)) claim(name, pin, ['connectors', i, ...name.replace(/^hal\.connectors\[\d+\]\./, '').split(/[. ]/).slice(0, 2)]);
  });
}
