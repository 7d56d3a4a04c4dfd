/**
 * SMMUv3 queue entries and commands, following torvalds/linux
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h (PRIQ_*, EVTQ_*, CMDQ_RESUME_*,
 * EVT_ID_*) and the Arm SMMUv3 spec §4.5 (CMD_PRI_RESP), §4.7 (CMD_RESUME),
 * §7.3 (event records), §8 (PRI queue):
 *
 *  PRIQ entry (16 B): dw0 StreamID[31:0] | SSID[51:32] | Priv[58] | Exec[59]
 *                     | Read[60] | Write[61] | Last[62] | SSV[63];
 *                     dw1 PRGIndex[8:0] | page address[63:12]
 *  EVTQ entry (32 B): dw0 ID[7:0] | SSV[11] | SSID[31:12] | SID[63:32];
 *                     dw1 STAG[15:0] | Stall[31] | PnU[33] | InD[34] | RnW[35] | S2[39] | CLASS[41:40];
 *                     dw2 input address
 */
import { qwordsToBytes } from '../../hw/hw-trace';

export interface PriqEntry {
  readonly sid: number;
  readonly ssv: boolean;
  readonly ssid: number;
  readonly priv: boolean;
  readonly exec: boolean;
  readonly read: boolean;
  readonly write: boolean;
  readonly last: boolean;
  readonly prgi: number;
  readonly addr: bigint;
  /** seq of the PRQ_ENQ event. */
  readonly seq: number;
}

export interface EvtqEntry {
  readonly id: number;
  readonly sid: number;
  readonly ssv: boolean;
  readonly ssid: number;
  readonly stall: boolean;
  readonly stag: number;
  readonly pnu: boolean;
  readonly ind: boolean;
  /** RnW: 1 = read. */
  readonly rnw: boolean;
  readonly s2: boolean;
  readonly addr: bigint;
  /** seq of the EVTQ_ENQ event. */
  readonly seq: number;
}

/** Event IDs (Linux event_str[] plus the ones QEMU models). */
export const EVT_ID = {
  C_BAD_STREAMID: 0x02,
  F_STE_FETCH: 0x03,
  C_BAD_STE: 0x04,
  F_STREAM_DISABLED: 0x06,
  C_BAD_SUBSTREAMID: 0x08,
  F_CD_FETCH: 0x09,
  C_BAD_CD: 0x0a,
  F_TRANSLATION: 0x10,
  F_ADDR_SIZE: 0x11,
  F_ACCESS: 0x12,
  F_PERMISSION: 0x13,
  F_VMS_FETCH: 0x25,
} as const;

const EVT_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(EVT_ID).map(([k, v]) => [v, k]));

export const evtName = (id: number): string => EVT_NAMES[id] ?? `UNKNOWN(0x${id.toString(16)})`;

/** Translation-related faults: the only ones that may stall (§3.12). */
export const STALLABLE_EVENTS: ReadonlySet<number> = new Set([EVT_ID.F_TRANSLATION, EVT_ID.F_ADDR_SIZE, EVT_ID.F_ACCESS, EVT_ID.F_PERMISSION]);

/** IDs arm_smmu_handle_event() accepts (others are just dumped). */
export const HANDLED_EVENTS: ReadonlySet<number> = new Set([
  EVT_ID.C_BAD_STE,
  EVT_ID.F_STREAM_DISABLED,
  EVT_ID.C_BAD_SUBSTREAMID,
  EVT_ID.C_BAD_CD,
  ...STALLABLE_EVENTS,
]);

/** `CMDQ_RESUME_0_RESP_*` */
export const CMDQ_RESUME_0_RESP_TERM = 0;
export const CMDQ_RESUME_0_RESP_RETRY = 1;
export const CMDQ_RESUME_0_RESP_ABORT = 2;

/** CMD_PRI_RESP Resp field (§4.5): 0b00 ResponseFailure ("PRI_RESP_DENY" in Linux), 0b01 InvalidRequest, 0b10 Success. */
export const PRI_RESP_DENY = 0b00;
export const PRI_RESP_FAIL = 0b01;
export const PRI_RESP_SUCC = 0b10;

const b = (v: boolean): bigint => (v ? 1n : 0n);

export function encodePriqEntry(e: Omit<PriqEntry, 'seq'>): Uint8Array {
  const dw0 =
    BigInt(e.sid >>> 0) |
    (BigInt(e.ssid & 0xfffff) << 32n) |
    (b(e.priv) << 58n) |
    (b(e.exec) << 59n) |
    (b(e.read) << 60n) |
    (b(e.write) << 61n) |
    (b(e.last) << 62n) |
    (b(e.ssv) << 63n);
  const dw1 = BigInt(e.prgi & 0x1ff) | (e.addr & ~0xfffn);
  return qwordsToBytes([dw0, dw1]);
}

export function encodeEvtqEntry(e: Omit<EvtqEntry, 'seq'>): Uint8Array {
  const dw0 = BigInt(e.id & 0xff) | (b(e.ssv) << 11n) | (BigInt(e.ssid & 0xfffff) << 12n) | (BigInt(e.sid >>> 0) << 32n);
  const dw1 =
    BigInt(e.stag & 0xffff) | (b(e.stall) << 31n) | (b(e.pnu) << 33n) | (b(e.ind) << 34n) | (b(e.rnw) << 35n) | (b(e.s2) << 39n);
  return qwordsToBytes([dw0, dw1, e.addr, 0n]);
}
