export * from './stages.ts';
export * from './profile.ts';
