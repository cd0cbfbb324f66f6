// Code tables named after the OSDP spec (reference §3.1, §3.2, §3.4, §5.1, §1).
import { hex2 } from './bytes.ts';

// Commands (CP → PD)
export const osdp_POLL = 0x60;
export const osdp_ID = 0x61;
export const osdp_CAP = 0x62;
export const osdp_LSTAT = 0x64;
export const osdp_ISTAT = 0x65;
export const osdp_OSTAT = 0x66;
export const osdp_RSTAT = 0x67;
export const osdp_COMSET = 0x6e;
export const osdp_KEYSET = 0x75;
export const osdp_CHLNG = 0x76;
export const osdp_SCRYPT = 0x77;

// Replies (PD → CP). CCRYPT and RMAC_I share numbers with commands; the direction tells them apart.
export const osdp_ACK = 0x40;
export const osdp_NAK = 0x41;
export const osdp_PDID = 0x45;
export const osdp_PDCAP = 0x46;
export const osdp_LSTATR = 0x48;
export const osdp_COM = 0x54;
export const osdp_CCRYPT = 0x76;
export const osdp_RMAC_I = 0x78;
export const osdp_BUSY = 0x79;

export const COMMAND_NAMES: Readonly<Record<number, string>> = {
  [osdp_POLL]: 'osdp_POLL',
  [osdp_ID]: 'osdp_ID',
  [osdp_CAP]: 'osdp_CAP',
  [osdp_LSTAT]: 'osdp_LSTAT',
  [osdp_ISTAT]: 'osdp_ISTAT',
  [osdp_OSTAT]: 'osdp_OSTAT',
  [osdp_RSTAT]: 'osdp_RSTAT',
  [osdp_COMSET]: 'osdp_COMSET',
  [osdp_KEYSET]: 'osdp_KEYSET',
  [osdp_CHLNG]: 'osdp_CHLNG',
  [osdp_SCRYPT]: 'osdp_SCRYPT',
};

export const REPLY_NAMES: Readonly<Record<number, string>> = {
  [osdp_ACK]: 'osdp_ACK',
  [osdp_NAK]: 'osdp_NAK',
  [osdp_PDID]: 'osdp_PDID',
  [osdp_PDCAP]: 'osdp_PDCAP',
  [osdp_LSTATR]: 'osdp_LSTATR',
  [osdp_COM]: 'osdp_COM',
  [osdp_CCRYPT]: 'osdp_CCRYPT',
  [osdp_RMAC_I]: 'osdp_RMAC_I',
  [osdp_BUSY]: 'osdp_BUSY',
};

/** A printable name for a code, e.g. for logs: 'osdp_POLL' or 'reply 0x4a'. */
export function codeName(code: number, reply: boolean): string {
  const name = (reply ? REPLY_NAMES : COMMAND_NAMES)[code];
  return name ?? `${reply ? 'reply' : 'command'} 0x${hex2(code)}`;
}

// Security Control Block types (reference §5.1)
export const SCS_11 = 0x11; // CP→PD osdp_CHLNG, SCB 03 11 kk
export const SCS_12 = 0x12; // PD→CP osdp_CCRYPT, SCB 03 12 kk
export const SCS_13 = 0x13; // CP→PD osdp_SCRYPT, SCB 03 13 kk
export const SCS_14 = 0x14; // PD→CP osdp_RMAC_I, SCB 03 14 ss
export const SCS_15 = 0x15; // CP→PD MAC, no data
export const SCS_16 = 0x16; // PD→CP MAC, no data
export const SCS_17 = 0x17; // CP→PD MAC, encrypted data
export const SCS_18 = 0x18; // PD→CP MAC, encrypted data

/** Key indicator kk in SCS_11..13: 0x00 = SCBK-D, 0x01 = the PD's SCBK. */
export const KEY_SCBK_D = 0x00;
export const KEY_SCBK = 0x01;
/** ss in SCS_14. */
export const RMAC_I_ACCEPTED = 0x01;
export const RMAC_I_REJECTED = 0xff;

// NAK error codes (reference §3.2)
export const NAK_NONE = 0x00;
export const NAK_CHECK = 0x01;
export const NAK_CMD_LEN = 0x02;
export const NAK_CMD_UNKNOWN = 0x03;
export const NAK_SEQ_NUM = 0x04;
export const NAK_SC_UNSUP = 0x05;
export const NAK_SC_COND = 0x06;
export const NAK_BIO_TYPE = 0x07;
export const NAK_BIO_FMT = 0x08;
export const NAK_RECORD = 0x09;
export const NAK_CARD_NOT_FOUND = 0x10;
export const NAK_TRANSMIT_FAILED = 0x11;
export const NAK_INTERNAL = 0x12;
export const NAK_PRIVATE = 0xff;

export interface NakCodeInfo {
  name: string;
  meaning: string;
}

export const NAK_CODES: Readonly<Record<number, NakCodeInfo>> = {
  [NAK_NONE]: { name: 'NONE', meaning: 'no error' },
  [NAK_CHECK]: { name: 'CHECK', meaning: 'message check character error (bad checksum/CRC)' },
  [NAK_CMD_LEN]: { name: 'CMD_LEN', meaning: 'command length error' },
  [NAK_CMD_UNKNOWN]: { name: 'CMD_UNKNOWN', meaning: 'unknown command code' },
  [NAK_SEQ_NUM]: { name: 'SEQ_NUM', meaning: 'sequence number error' },
  [NAK_SC_UNSUP]: {
    name: 'SC_UNSUP',
    meaning: 'secure channel not supported, or SCBK-D refused outside install mode',
  },
  [NAK_SC_COND]: {
    name: 'SC_COND',
    meaning: 'security conditions not met: secure channel required',
  },
  [NAK_BIO_TYPE]: { name: 'BIO_TYPE', meaning: 'BIO_TYPE not supported' },
  [NAK_BIO_FMT]: { name: 'BIO_FMT', meaning: 'BIO_FORMAT not supported' },
  [NAK_RECORD]: { name: 'RECORD', meaning: 'unable to process command record' },
  [NAK_CARD_NOT_FOUND]: { name: 'CARD_NOT_FOUND', meaning: 'card not found (proposed extension)' },
  [NAK_TRANSMIT_FAILED]: {
    name: 'TRANSMIT_FAILED',
    meaning: 'transmit failed (proposed extension)',
  },
  [NAK_INTERNAL]: { name: 'INTERNAL', meaning: 'internal error (proposed extension)' },
  [NAK_PRIVATE]: { name: 'PRIVATE', meaning: 'private / generic failure' },
};

/** Name and meaning of any NAK code, known or not. */
export function nakInfo(code: number): NakCodeInfo {
  return NAK_CODES[code] ?? { name: `0x${hex2(code)}`, meaning: 'unknown NAK code' };
}

// PDCAP function codes (reference §3.4)
export const CAP_CONTACT_STATUS_MONITORING = 1;
export const CAP_OUTPUT_CONTROL = 2;
export const CAP_CARD_DATA_FORMAT = 3;
export const CAP_READER_LED_CONTROL = 4;
export const CAP_READER_AUDIBLE_OUTPUT = 5;
export const CAP_READER_TEXT_OUTPUT = 6;
export const CAP_TIME_KEEPING = 7;
export const CAP_CHECK_CHARACTER_SUPPORT = 8;
export const CAP_COMMUNICATION_SECURITY = 9;
export const CAP_RECEIVE_BUFFERSIZE = 10;
export const CAP_LARGEST_COMBINED_MESSAGE_SIZE = 11;
export const CAP_SMART_CARD_SUPPORT = 12;
export const CAP_READERS = 13;
export const CAP_BIOMETRICS = 14;
export const CAP_SECURE_PIN_ENTRY = 15;
export const CAP_OSDP_VERSION = 16;

export const PDCAP_FUNCTIONS: Readonly<Record<number, string>> = {
  [CAP_CONTACT_STATUS_MONITORING]: 'Contact status monitoring',
  [CAP_OUTPUT_CONTROL]: 'Output control',
  [CAP_CARD_DATA_FORMAT]: 'Card data format',
  [CAP_READER_LED_CONTROL]: 'Reader LED control',
  [CAP_READER_AUDIBLE_OUTPUT]: 'Reader audible output',
  [CAP_READER_TEXT_OUTPUT]: 'Reader text output',
  [CAP_TIME_KEEPING]: 'Time keeping',
  [CAP_CHECK_CHARACTER_SUPPORT]: 'Check character support',
  [CAP_COMMUNICATION_SECURITY]: 'Communication security',
  [CAP_RECEIVE_BUFFERSIZE]: 'Receive buffer size',
  [CAP_LARGEST_COMBINED_MESSAGE_SIZE]: 'Largest combined message size',
  [CAP_SMART_CARD_SUPPORT]: 'Smart card support',
  [CAP_READERS]: 'Readers',
  [CAP_BIOMETRICS]: 'Biometrics',
  [CAP_SECURE_PIN_ENTRY]: 'Secure PIN entry',
  [CAP_OSDP_VERSION]: 'OSDP version',
};

/** Standard baud rates (reference §1). Others exist (460800 was requested), so don't reject them on receive. */
export const OSDP_BAUDS = [9600, 19200, 38400, 57600, 115200, 230400] as const;
export type OsdpBaud = (typeof OSDP_BAUDS)[number];

export function isStandardBaud(baud: number): baud is OsdpBaud {
  return (OSDP_BAUDS as readonly number[]).includes(baud);
}
