export * from './bytes.ts';
export * from './crc.ts';
export * from './frame.ts';
export * from './stream.ts';
export * from './codes.ts';
export * from './commands.ts';
export * from './replies.ts';
