export * from './stages.ts';
export * from './profile.ts';
export * from './kdf.ts';
export * from './profile-schema.ts';
export * from './expand.ts';
export * from './profile-file.ts';
export * from './export.ts';
