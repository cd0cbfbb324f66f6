// A minimal line node around @osprio/osdp's PD model, for runner tests that need no faults.
import { pdInit, pdStep, type PdConfig, type PdState } from '@osprio/osdp';
import type { LineNode, SimLine, Transmit } from '../../../../bus/src/sim-line.ts';

export interface ModelNode {
  readonly state: PdState;
  /** Bus baud the PD's UART runs at. */
  readonly uartBaud: number;
}

export function attachModelPd(line: SimLine, config: PdConfig, name = 'pd'): ModelNode {
  let state = pdInit(config);
  let uartBaud = config.baud;
  let pendingBaud: number | undefined;
  const node: LineNode = {
    name,
    get baud() {
      return uartBaud;
    },
    receive(bytes, at) {
      const r = pdStep(state, { type: 'rx', bytes, at });
      state = r.state;
      const out: Transmit[] = [];
      for (const o of r.outputs) {
        if (o.type === 'send') out.push({ bytes: o.bytes });
        if (o.type === 'comset_applied') pendingBaud = o.baud;
      }
      return out;
    },
    transmitted() {
      if (pendingBaud !== undefined) {
        uartBaud = pendingBaud;
        pendingBaud = undefined;
      }
    },
  };
  line.attach(node);
  return {
    get state() {
      return state;
    },
    get uartBaud() {
      return uartBaud;
    },
  };
}
