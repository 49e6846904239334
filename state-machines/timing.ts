// Every timeout the machines use, in ms, with the REFERENCE.md section it comes from.
// Machines register these as named XState delays; the app may override them through `.provide()`.

export const TIMING = {
  /** Debounce A->B (plug). OE debounces state changes 250 ms (REFERENCE.md 1.3 "Debouncing"). */
  plugDebounce: 250,
  /** Debounce entry into C/D. SE holds 6 V > 500 ms before accepting C (REFERENCE.md 1.3). */
  requestDebounce: 500,
  /** Debounce leaving E/F/invalid back to a valid state before clearing a pilot error. */
  errorClearDebounce: 250,
  /** Mirror-contact edge must follow a switching command within 250 ms (REFERENCE.md 3, CB). */
  contactorFeedback: 250,
  /** PWM off while the EV stays in C: force the contactor open after 6 s (REFERENCE.md 1.3, seq. 10.2). */
  powerOffUnderLoad: 6000,
  /** Minimum time between PWM duty changes (REFERENCE.md 1.3, EVerest IEC_PWM_MAX_UPDATE_INTERVAL). */
  pwmMinInterval: 5000,
  /** On a blocking fault: hold F at least 300 ms before going to X1 (REFERENCE.md 1.3, Table A.5). */
  faultStateF: 300,
  /** Unlock the connector 5 s after entering F on a fault (REFERENCE.md 1.3, EVerest). */
  faultUnlock: 5000,
  /** Wake-up: PWM on, EV still in B after 30 s (REFERENCE.md 1.4, EVerest LEGACY_WAKEUP_TIMEOUT). */
  wakeUpAfter: 30000,
  /** Wake-up: hold F for 4 s (REFERENCE.md 1.4, EVerest). */
  wakeUpStateF: 4000,
  /** Wake-up: then X1 (steady +12 V) for 750 ms before PWM again (REFERENCE.md 1.4). */
  wakeUpX1: 750,
  /** Lock motor must report within 1 s (UNVERIFIED: typical actuator travel < 500 ms). */
  lockFeedback: 1000,
  /** Authorized but not plugged: give up after this (OCPP ConnectionTimeOut; config overrides). */
  connectionTimeout: 60000,
  /** EV current above (offered + 0.5) x 1.1 must persist this long to trip (REFERENCE.md 3, EVerest 7 s). */
  overCurrentPersist: 7000,
} as const;

export type TimingName = keyof typeof TIMING;
