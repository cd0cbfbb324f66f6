export * from './stages.ts';
