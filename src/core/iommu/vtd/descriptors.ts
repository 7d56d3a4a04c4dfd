/**
 * VT-d queue formats, following torvalds/linux drivers/iommu/intel/prq.c
 * (`struct page_req_dsc`) and drivers/iommu/intel/iommu.h (QI_PGRP_*):
 *
 *  Page Request Descriptor (32 B):
 *    qw0: type[7:0]=1 | pasid_present[8] | rid[31:16] | pasid[51:32] | exe_req[52] | pm_req[53]
 *    qw1: rd_req[0] | wr_req[1] | lpig[2] | prg_index[11:3] | addr[63:12]
 *  Page Group Response descriptor (QI, 32 B):
 *    qw0: type 0x9 | PASID_P[4] | RESP_CODE[15:12] | RID[31:16] | PASID[51:32]
 *    qw1: LPIG[2] | PRG_IDX[11:3]
 */
import { qwordsToBytes } from '../../hw/hw-trace';

export interface PrqDescriptor {
  readonly rid: number;
  readonly pasidPresent: boolean;
  readonly pasid: number;
  readonly exe: boolean;
  readonly pm: boolean;
  readonly rd: boolean;
  readonly wr: boolean;
  readonly lpig: boolean;
  readonly prgIndex: number;
  /** Page address (bits 63:12 of the request; low bits zero). */
  readonly addr: bigint;
  /** seq of the PRQ_ENQ event that wrote it. */
  readonly seq: number;
}

export interface PageGroupResponseDesc {
  readonly rid: number;
  readonly pasidPresent: boolean;
  readonly pasid: number;
  /** 4-bit RESP_CODE exactly as written. */
  readonly code: number;
  readonly prgIndex: number;
  readonly lpig: boolean;
}

export const QI_PGRP_RESP_TYPE = 0x9n;

const b = (v: boolean): bigint => (v ? 1n : 0n);

export function encodePrqDescriptor(d: PrqDescriptor): Uint8Array {
  const qw0 =
    1n |
    (b(d.pasidPresent) << 8n) |
    (BigInt(d.rid & 0xffff) << 16n) |
    (BigInt(d.pasid & 0xfffff) << 32n) |
    (b(d.exe) << 52n) |
    (b(d.pm) << 53n);
  const qw1 = b(d.rd) | (b(d.wr) << 1n) | (b(d.lpig) << 2n) | (BigInt(d.prgIndex & 0x1ff) << 3n) | (d.addr & ~0xfffn);
  return qwordsToBytes([qw0, qw1, 0n, 0n]);
}

/** The two meaningful qwords of a Page Group Response descriptor. */
export function pageGroupResponseQwords(d: PageGroupResponseDesc): [bigint, bigint] {
  const qw0 =
    QI_PGRP_RESP_TYPE |
    (b(d.pasidPresent) << 4n) |
    (BigInt(d.code & 0xf) << 12n) |
    (BigInt(d.rid & 0xffff) << 16n) |
    (BigInt(d.pasid & 0xfffff) << 32n);
  const qw1 = (b(d.lpig) << 2n) | (BigInt(d.prgIndex & 0x1ff) << 3n);
  return [qw0, qw1];
}

export function encodePageGroupResponse(d: PageGroupResponseDesc): Uint8Array {
  const [qw0, qw1] = pageGroupResponseQwords(d);
  return qwordsToBytes([qw0, qw1, 0n, 0n]);
}
