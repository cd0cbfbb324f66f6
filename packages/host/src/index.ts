export * from './opening-screen.ts';
export * from './queue-state.ts';
