import { Command } from 'commander';

const program = new Command();
program.name('osprio').description('Osprio Provisioner: commission OSDP PDs with per-PD secure-channel keys');
program.command('start').description('start the workspace and emulated devices').action(() => {
  console.log('osprio: nothing to start yet');
});
await program.parseAsync(process.argv);
