export * from './bus.ts';
export * from './prng.ts';
export * from './sim-line.ts';
export * from './sim-bus.ts';
export * as telnet from './telnet.ts';
export * from './open.ts';
// Node-only transports: types here, instances through openBus() (keeps this index browser-safe).
export type { SerialBus, SerialBusOptions } from './serial-bus.ts';
export type { TcpBus, TcpBusOptions } from './tcp-bus.ts';
export * from './sim-pd.ts';
export { runSimPdServer } from './serve.ts';
export type { SimPdServer, SimPdServerOptions } from './pd-server.ts';
export * from './sim-pd-spec.ts';
