// Entry of the status-only bundle (dist/status.cjs). CommonJS has no top-level await.
import { runAsMain } from './as-main.ts';
import { runStatusOnly } from './status-only.ts';

void runAsMain(runStatusOnly);
