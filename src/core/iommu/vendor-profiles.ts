/**
 * Every difference between the three vendor IOMMUs (hardware queue + Linux
 * driver), in one table: ../shared/spec/hardware-model.md §5.5 / §5.6. The
 * vendor models read their behaviour from here, so a scenario can flip any
 * knob (e.g. VT-d auto-response 'none' = QEMU's model) without touching code.
 * Defaults = current Linux + the hardware specs as far as they were checked;
 * knobs marked VERIFY encode a guess the spec text could not confirm.
 *
 * Live knobs (the models branch on them): queueDepth, queueFull, eventQueueDepth,
 * priAllocation, iopfEnableModel (VT-d), hwDropsNoPasidPri, canonicalVaBits,
 * needsPasid, grpidMask, responseEncoding, smmuPriRespDenyMeans, lpig0Response,
 * overflowAutoResponse, partialDiscardOnOverflow, headUpdate (VT-d; SMMU and AMD
 * follow their driver), the four timings, userPasidTable, smmuPriHandling,
 * smmuPps, amdLogsStopMarker, stall. The rest (entry sizes, names, reject
 * rule, Stop Marker, grpid width, LAST_PAGE source, address form, response op,
 * overflow flag/ack) describe what each vendor's code does, for the UI table.
 *
 * Upstream files followed: torvalds/linux drivers/iommu/intel/prq.c,
 * drivers/iommu/intel/iommu.c, drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c,
 * drivers/iommu/amd/ppr.c, drivers/iommu/amd/iommu.c, drivers/iommu/amd/init.c.
 */
import type { VendorId } from '../kernel/iommu-core';

/** Who answers a page request the driver refuses, and with what. */
export interface RejectRule {
  /** Kernel response code (IOMMU_PAGE_RESP_*) or, for SMMU, the CMD_PRI_RESP field. */
  readonly code: number;
  /** Answer only when the request is the last of its group. */
  readonly onlyIfLast: boolean;
  /** The driver's checks, in order, as in the source. */
  readonly checks: readonly string[];
}

export interface StallProfile {
  /** STAG width (SMMUv3: 16 bits). */
  readonly stagBits: number;
  /** Suppress a second stall for a page that is already stalled (§16-3.12, allowed). */
  readonly suppressDuplicates: boolean;
  /** Stalled transactions the SMMU can hold before back-pressuring every stream. */
  readonly slots: number;
  /** When the event queue cannot take a stall record, retry the transaction after (ns). */
  readonly retryNs: bigint;
}

export interface VendorProfile {
  readonly vendor: VendorId;
  readonly title: string;

  // --- page-request queue hardware --------------------------------------------
  readonly queueName: 'PRQ' | 'PRIQ' | 'PPR log';
  /** Bytes per queue entry. */
  readonly queueEntryBytes: number;
  /** Entries (Linux default). */
  readonly queueDepth: number;
  /** VT-d/AMD: full when tail+1 == head (one slot unused); SMMU: wrap bits, all slots usable. */
  readonly queueFull: 'tailPlusOneIsHead' | 'wrapBit';
  /** Unrecoverable-fault recording: VT-d fault recording registers, SMMU/AMD event queue/log entries. */
  readonly eventQueueDepth: number;
  readonly eventEntryBytes: number;

  // --- PRI on the device ---------------------------------------------------------
  /** `pci_enable_pri(pdev, reqs)` argument; null = the driver never enables PRI. */
  readonly priAllocation: number | null;
  /**
   * Where PRI gets enabled:
   *  - 'flipPri'  VT-d v6.12–v6.14 enable_iopf: pci_reset_pri → iopf_queue_add_device
   *               → context PRE on → pci_enable_pri; disable: PRE off → remove → pci_disable_pri;
   *  - 'probePri' VT-d ≥ v6.15 and AMD: PRI enabled at probe, enable_iopf only adds
   *               the device to the iopf queue (AMD also sets DTE.PPR);
   *  - 'stallOnly' SMMUv3 mainline: IOPF only for stall-capable masters, no PRI.
   */
  readonly iopfEnableModel: 'flipPri' | 'probePri' | 'stallOnly';

  // --- validation in hardware and driver ----------------------------------------
  /** Page requests without PASID are accepted by hardware and driver. */
  readonly acceptsNoPasidPri: boolean;
  /** Hardware drops PASID-less requests (QEMU's VT-d model: -EPERM). */
  readonly hwDropsNoPasidPri: boolean;
  readonly reject: RejectRule;
  /** How Stop Markers (L=1, R=W=0, PASID) are treated. */
  readonly stopMarker: 'driverDrops' | 'hwDiscardsOnOverflowDriverSeesUnexpected' | 'notFiltered';
  /** VT-d canonical-address check: `__VIRTUAL_MASK_SHIFT + 1` (48 with 4-level paging). */
  readonly canonicalVaBits: number;

  // --- the fault handed to io-pgfault ---------------------------------------------
  readonly grpidBits: number;
  /** 'lpig' (VT-d), 'stallAlways' (SMMU stall), 'tagTopBit' (AMD PPR_TAG_LAST_PAGE), 'last' (SMMU PRI series). */
  readonly lastPageSource: 'lpig' | 'stallAlways' | 'tagTopBit' | 'last';
  /** When IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID is set. */
  readonly needsPasid: 'ifPasidPresent' | 'never' | 'always';
  readonly faultAddr: 'pageAligned' | 'fullIova';
  /**
   * AMD: mask applied to the PPR tag for `prm.grpid`. ppr.c assigns PPR_TAG(raw[0]),
   * whose stored definition is 10 bits (0x3ff, includes the last-page bit), while
   * the response uses tag & 0x1ff. The spec table assumes 0x1ff — VERIFY.
   */
  readonly grpidMask: number;

  // --- responses -------------------------------------------------------------------
  readonly responseOp: 'qiPageGroupResponse' | 'cmdResume' | 'cmdPriResp' | 'cmdCompletePpr';
  /** 'asCoded': enum value straight into the 4-bit field (FAILURE=2 → 0010b); 'specMapped': FAILURE → 1111b. */
  readonly responseEncoding: 'asCoded' | 'specMapped';
  /** SMMU CMD_PRI_RESP 0b00 ("DENY" in Linux): the spec calls it ResponseFailure. */
  readonly smmuPriRespDenyMeans: 'responseFailure' | 'invalidRequest';
  /** VT-d: what hardware does with an LPIG=0 page group response (not in the sources — VERIFY). */
  readonly lpig0Response: 'forward' | 'drop';

  // --- overflow ---------------------------------------------------------------------
  readonly overflowFlag: 'PRS.PRO' | 'PRIQ_PROD.OVFLG' | 'STATUS.PPROverflow';
  readonly overflowAck: 'w1cWhenEmpty' | 'ovackflg' | 'restartLog';
  /** Hardware answer to requests dropped on overflow. */
  readonly overflowAutoResponse: 'none' | 'successOnLast' | 'smmuRules';
  /** Driver calls iopf_queue_discard_partial() when it clears the overflow. */
  readonly partialDiscardOnOverflow: boolean;

  // --- driver ordering and timing (virtual ns) ----------------------------------------
  /** When the driver releases consumed entries to hardware. */
  readonly headUpdate: 'afterBatch' | 'perEntry' | 'perEntryBeforeHandle';
  /** Interrupt → threaded handler running. */
  readonly irqThreadNs: bigint;
  /** Driver work per queue entry. */
  readonly perEntryNs: bigint;
  /** Response command → PRG Response on the link. */
  readonly cmdNs: bigint;
  /** Device ↔ IOMMU message latency. */
  readonly linkNs: bigint;

  // --- vendor specifics ------------------------------------------------------------------
  /** `ops->user_pasid_table` (arm-smmu-v3: the guest owns the CD table). */
  readonly userPasidTable: boolean;
  /** SMMUv3 PRIQ entries: mainline treats every one as unexpected; the unmerged PRI series reports them. */
  readonly smmuPriHandling: 'unexpectedDeny' | 'reportIopf';
  /** SMMUv3 IDR3.PPS: PRG responses always carry the PASID of the request. */
  readonly smmuPps: boolean;
  /** AMD: the hardware logs Stop Markers into the PPR log (VERIFY). */
  readonly amdLogsStopMarker: boolean;
  /** Stall model (SMMUv3 only). */
  readonly stall: StallProfile | null;
}

/** VT-d: drivers/iommu/intel/prq.c, iommu.h (PRQ_ORDER 4 → 64 KiB / 32 B = 2048). */
const VTD: VendorProfile = {
  vendor: 'vtd',
  title: 'Intel VT-d (PRQ)',
  queueName: 'PRQ',
  queueEntryBytes: 32,
  queueDepth: 2048,
  queueFull: 'tailPlusOneIsHead',
  eventQueueDepth: 8, // cap_num_fault_regs: fault recording registers
  eventEntryBytes: 16,
  priAllocation: 2048, // pci_enable_pri(pdev, PRQ_DEPTH): each device may fill the whole shared PRQ
  iopfEnableModel: 'flipPri',
  acceptsNoPasidPri: true,
  hwDropsNoPasidPri: false,
  reject: {
    code: 1, // QI_RESP_INVALID
    onlyIfLast: true, // handle_bad_prq_event: if (!req->lpig) return;
    checks: ['non-canonical address', 'PM request with R/W', 'exec with read', 'unknown RID (rbtree)'],
  },
  stopMarker: 'driverDrops',
  canonicalVaBits: 48,
  grpidBits: 9,
  lastPageSource: 'lpig',
  needsPasid: 'ifPasidPresent',
  faultAddr: 'pageAligned',
  grpidMask: 0x1ff,
  responseOp: 'qiPageGroupResponse',
  responseEncoding: 'asCoded', // QI_PGRP_RESP_CODE(msg->code)
  smmuPriRespDenyMeans: 'responseFailure',
  lpig0Response: 'forward',
  overflowFlag: 'PRS.PRO',
  overflowAck: 'w1cWhenEmpty',
  overflowAutoResponse: 'successOnLast', // VERIFY (VT-d §7.5); QEMU: 'none'
  partialDiscardOnOverflow: true,
  headUpdate: 'afterBatch', // dmar_writeq(PQH, tail) after the loop
  irqThreadNs: 2_000n,
  perEntryNs: 200n,
  cmdNs: 300n,
  linkNs: 200n,
  userPasidTable: false,
  smmuPriHandling: 'unexpectedDeny',
  smmuPps: false,
  amdLogsStopMarker: false,
  stall: null,
};

/** SMMUv3: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c and the Arm spec §3.12, §4.5, §4.7, §7.4, §8. */
const SMMUV3: VendorProfile = {
  vendor: 'smmuv3',
  title: 'Arm SMMUv3 (PRIQ + stall)',
  queueName: 'PRIQ',
  queueEntryBytes: 16,
  queueDepth: 256, // driver-sized (PRIQ_MAX_SZ_SHIFT); ≤ 2^19 in the spec
  queueFull: 'wrapBit',
  eventQueueDepth: 128,
  eventEntryBytes: 32,
  priAllocation: null, // mainline has no arm_smmu_enable_pri()
  iopfEnableModel: 'stallOnly',
  acceptsNoPasidPri: true, // SSV=0 accepted by hardware
  hwDropsNoPasidPri: false,
  reject: { code: 0b00, onlyIfLast: true, checks: ['every PRIQ entry is "unexpected"'] },
  stopMarker: 'hwDiscardsOnOverflowDriverSeesUnexpected',
  canonicalVaBits: 64,
  grpidBits: 16, // stall: STAG; PRI: 9-bit PRGIndex
  lastPageSource: 'stallAlways',
  needsPasid: 'never',
  faultAddr: 'fullIova',
  grpidMask: 0xffff,
  responseOp: 'cmdResume',
  responseEncoding: 'specMapped', // stall: RETRY on SUCCESS, ABORT otherwise
  smmuPriRespDenyMeans: 'responseFailure', // Arm spec §4.5: Resp 0b00 = ResponseFailure
  lpig0Response: 'forward',
  overflowFlag: 'PRIQ_PROD.OVFLG',
  overflowAck: 'ovackflg',
  overflowAutoResponse: 'smmuRules',
  partialDiscardOnOverflow: false,
  headUpdate: 'perEntry', // queue_remove_raw() moves CONS per entry
  irqThreadNs: 2_000n,
  perEntryNs: 200n,
  cmdNs: 300n,
  linkNs: 200n,
  userPasidTable: true,
  smmuPriHandling: 'unexpectedDeny',
  smmuPps: false,
  amdLogsStopMarker: false,
  stall: { stagBits: 16, suppressDuplicates: true, slots: 64, retryNs: 5_000n },
};

/** AMD-Vi: drivers/iommu/amd/ppr.c, iommu.c (build_complete_ppr, pdev_enable_cap_pri), init.c. */
const AMD: VendorProfile = {
  vendor: 'amd',
  title: 'AMD-Vi (PPR log)',
  queueName: 'PPR log',
  queueEntryBytes: 16,
  queueDepth: 512, // PPR_LOG_ENTRIES
  queueFull: 'tailPlusOneIsHead',
  eventQueueDepth: 512,
  eventEntryBytes: 16,
  priAllocation: 32, // pci_enable_pri(pdev, 32) "FIXME: Hardcode number of outstanding requests"
  iopfEnableModel: 'probePri',
  acceptsNoPasidPri: false,
  hwDropsNoPasidPri: false,
  reject: {
    code: 2, // IOMMU_PAGE_RESP_FAILURE, "Nobody cared, abort"
    onlyIfLast: false, // amd_iommu_complete_ppr() for every invalid entry
    checks: ['GN=0', 'RVSD set', 'PASID 0 or ≥ max_pasids'],
  },
  stopMarker: 'notFiltered',
  canonicalVaBits: 64,
  grpidBits: 9,
  lastPageSource: 'tagTopBit',
  needsPasid: 'always',
  faultAddr: 'pageAligned',
  grpidMask: 0x1ff,
  responseOp: 'cmdCompletePpr',
  responseEncoding: 'asCoded', // (status & PPR_STATUS_MASK) << PPR_STATUS_SHIFT
  smmuPriRespDenyMeans: 'responseFailure',
  lpig0Response: 'forward',
  overflowFlag: 'STATUS.PPROverflow',
  overflowAck: 'restartLog',
  overflowAutoResponse: 'none', // VERIFY (AMD pub. 48882)
  partialDiscardOnOverflow: false,
  headUpdate: 'perEntryBeforeHandle',
  irqThreadNs: 2_000n,
  perEntryNs: 200n,
  cmdNs: 300n,
  linkNs: 200n,
  userPasidTable: false,
  smmuPriHandling: 'unexpectedDeny',
  smmuPps: false,
  amdLogsStopMarker: true,
  stall: null,
};

export const VENDOR_PROFILES: Readonly<Record<VendorId, VendorProfile>> = { vtd: VTD, smmuv3: SMMUV3, amd: AMD };

/** The vendor's default profile with some knobs changed. */
export function vendorProfile(vendor: VendorId, overrides: Partial<VendorProfile> = {}): VendorProfile {
  return { ...VENDOR_PROFILES[vendor], ...overrides, vendor };
}

/** QEMU's VT-d PRI model (hw/i386/intel_iommu.c, 2025): no auto-response, no PASID-less PRI. */
export const QEMU_VTD_OVERRIDES: Partial<VendorProfile> = {
  overflowAutoResponse: 'none',
  hwDropsNoPasidPri: true,
  responseEncoding: 'specMapped',
};
