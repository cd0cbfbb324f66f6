// The fault grammar as help text: plain data with no imports, so a command line can print it
// without loading the bus and the OSDP engine (`@osprio/bus/fault-help`; CLI start-up).

/** The fault grammar, one line per fault, for help texts. */
export const SIM_PD_FAULT_HELP: readonly [string, string][] = [
  ['absent', 'not on the line: hears, never answers'],
  ['silent-after-comset', 'applies COMSET, then never answers again until power-cycled'],
  [
    'other-address[:N][:requested]',
    'takes address N (default 126) instead of the one set; osdp_COM reports it, or echoes the request',
  ],
  ['stays-at-old-baud[:actual]', 'acknowledges the new baud but its UART stays at the old one'],
  ['keyed', 'already keyed with another SCBK, not in install mode'],
  ['nak-keyset[:CODE]', 'refuses KEYSET with a plaintext NAK (default 0x09)'],
  ['plaintext-keyset-ack', 'acknowledges KEYSET in plaintext (HID-style)'],
  ['reboot[:N][:applied][:DOWN_MS]', 'loses power instead of sending its N-th reply (default 3)'],
  ['slow[:MS]', 'answers after MS ms (default 250; the spec allows 200)'],
  ['noisy[:RATE]', 'each byte to or from it corrupted with probability RATE (default 0.01)'],
  [
    'enforce-secure',
    'requires the secure channel: plaintext takes only ID, CAP, CHLNG, SCRYPT (NAK 0x06 otherwise)',
  ],
];
