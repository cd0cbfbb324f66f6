import type { ProvisionerStatus } from '@osprio/link';

export type OpeningScreen = 'quick-step' | 'slot-list' | 'mode-picker' | 'unsupported';

/** The device, not the host, decides which modes exist: the opening screen follows from status alone. */
export function openingScreen(status: ProvisionerStatus): OpeningScreen {
  if (status.liveQuickStep && status.slots) return 'mode-picker';
  if (status.liveQuickStep) return 'quick-step';
  if (status.slots) return 'slot-list';
  return 'unsupported';
}
