export * from './bytes.ts';
export * from './crc.ts';
export * from './frame.ts';
