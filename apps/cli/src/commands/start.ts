export async function startCommand(): Promise<void> {
  console.log('osprio: nothing to start yet');
}
