/**
 * VT-d primary fault logging: Fault Recording Registers (FRCD, a ring of
 * `cap_num_fault_regs` 16-byte records with an F bit each) and FSTS.PPF/PFO.
 * Recording follows QEMU hw/i386/intel_iommu.c vtd_report_frcd_fault():
 *  1. PFO set → the new fault is not recorded;
 *  2. an unread record from the same source-id exists → not recorded (collapse);
 *  3. the next record slot still has F=1 → not recorded, PFO set;
 *  4. else record at FRI, advance FRI; a fault event only if PPF was clear.
 * Reason strings: torvalds/linux drivers/iommu/intel/dmar.c
 * (dma_remap_fault_reasons[], dma_remap_sm_fault_reasons[]).
 */

export interface FrcdRecord {
  readonly rid: number;
  readonly reason: number;
  /** Faulting page address. */
  readonly addr: bigint;
  readonly pasid: number | null;
  /** Request type: true = write (FRCD "T" bit clear means write). */
  readonly write: boolean;
  readonly exec: boolean;
  readonly priv: boolean;
  /** seq of the FRCD_RECORD event. */
  seq: number;
}

export type RecordOutcome =
  | { readonly kind: 'recorded'; readonly index: number; readonly raiseEvent: boolean }
  | { readonly kind: 'pfoDrop' }
  | { readonly kind: 'collapsed'; readonly index: number }
  | { readonly kind: 'overflow' };

export class FaultRecordingRegisters {
  private readonly records: (FrcdRecord | null)[];
  /** Fault Record Index: where hardware writes next. */
  private fri = 0;
  /** FSTS.PPF (primary pending fault) and FSTS.PFO (primary fault overflow). */
  ppf = false;
  pfo = false;
  /** FSTS.FRI as latched when PPF was set. */
  fstsFri = 0;

  constructor(readonly count: number) {
    this.records = new Array<FrcdRecord | null>(count).fill(null);
  }

  record(rec: FrcdRecord): RecordOutcome {
    if (this.pfo) return { kind: 'pfoDrop' };
    const same = this.records.findIndex((r) => r !== null && r.rid === rec.rid);
    if (same >= 0) return { kind: 'collapsed', index: same };
    if (this.records[this.fri] !== null) {
      this.pfo = true;
      return { kind: 'overflow' };
    }
    const index = this.fri;
    this.records[index] = rec;
    const raiseEvent = !this.ppf;
    if (raiseEvent) {
      this.ppf = true;
      this.fstsFri = index;
    }
    this.fri = (this.fri + 1) % this.count;
    return { kind: 'recorded', index, raiseEvent };
  }

  /** Software reads record `index` (null when its F bit is clear). */
  read(index: number): FrcdRecord | null {
    return this.records[index % this.count] ?? null;
  }

  /** Software writes F=1 (W1C) to free the record. */
  clear(index: number): void {
    this.records[index % this.count] = null;
  }

  /** W1C of FSTS.PFO | FSTS.PPF. */
  clearStatus(): void {
    this.pfo = false;
    this.ppf = false;
  }
}

export const VTD_FAULT_REASONS: Readonly<Record<number, string>> = {
  0x00: 'Software',
  0x01: 'Present bit in root entry is clear',
  0x02: 'Present bit in context entry is clear',
  0x03: 'Invalid context entry',
  0x04: 'Access beyond MGAW',
  0x05: 'PTE Write access is not set',
  0x06: 'PTE Read access is not set',
  0x07: 'Next page table ptr is invalid',
  0x08: 'Root table address invalid',
  0x09: 'Context table ptr is invalid',
  0x0a: 'non-zero reserved fields in RTP',
  0x0b: 'non-zero reserved fields in CTP',
  0x0c: 'non-zero reserved fields in PTE',
  0x0d: 'PCE for translation request specifies blocking',
  0x30: 'SM: Invalid Root Table Address',
  0x31: 'SM: TTM 0 for request with PASID',
  0x32: 'SM: TTM 0 for page group request',
  0x40: 'SM: Error attempting to access Context Entry',
  0x41: 'SM: Present bit in Context Entry is clear',
  0x47: 'SM: PRE field in Context-Entry is clear',
};

export const vtdReasonText = (reason: number): string => VTD_FAULT_REASONS[reason] ?? 'Unknown';
