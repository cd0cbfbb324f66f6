// Device models and what their firmware advertises. `status` is the only thing the host derives its
// opening screen from, so each combination (quick-step only / slots only / both) can be configured.

import type { DeviceIdentity, DeviceModel, ProvisionerStatus } from '@osprio/link';
import { MAX_STEPS_PER_SLOT } from '@osprio/provisioner';

export const PROTOCOL_VERSION = 1;

export interface DeviceConfig {
  identity: DeviceIdentity;
  status: ProvisionerStatus;
}

export const MODEL_STATUS: Readonly<Record<DeviceModel, ProvisionerStatus>> = {
  'osprio-pro': {
    liveQuickStep: true,
    slots: true,
    offlineAutonomous: true,
    slotCount: 4,
    maxStepsPerSlot: MAX_STEPS_PER_SLOT,
  },
  'osprio-mini': {
    liveQuickStep: true,
    slots: false,
    offlineAutonomous: false,
    slotCount: 0,
    maxStepsPerSlot: MAX_STEPS_PER_SLOT,
  },
};

export interface ModelOverrides {
  serialNumber?: string;
  firmwareVersion?: string;
  status?: Partial<ProvisionerStatus>;
}

/** A model's config, optionally overridden (e.g. `{ status: { liveQuickStep: false } }` for slots-only). */
export function modelConfig(model: DeviceModel, o: ModelOverrides = {}): DeviceConfig {
  const status = { ...MODEL_STATUS[model], ...o.status };
  if (!status.slots) status.slotCount = 0;
  if (!status.slots) status.offlineAutonomous = false;
  if (status.slots && status.slotCount < 1)
    throw new RangeError('a device with slots needs slotCount >= 1');
  if (status.maxStepsPerSlot < 1 || status.maxStepsPerSlot > MAX_STEPS_PER_SLOT)
    throw new RangeError(`maxStepsPerSlot must be 1..${MAX_STEPS_PER_SLOT}`);
  return {
    identity: {
      protocolVersion: PROTOCOL_VERSION,
      model,
      serialNumber: o.serialNumber ?? `${model === 'osprio-pro' ? 'OPP' : 'OPM'}-000001`,
      firmwareVersion: o.firmwareVersion ?? '1.0.0-emu',
    },
    status,
  };
}
