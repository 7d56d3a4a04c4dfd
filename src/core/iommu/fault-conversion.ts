/**
 * Shared pieces of the vendor drivers' "hardware entry → struct
 * iommu_fault_page_request" conversion (intel_prq_report, ppr.c
 * iommu_call_iopf_notifier, arm_smmu_handle_event) and of their response
 * encoders, parameterised by the vendor profile.
 */
import {
  IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
  IOMMU_FAULT_PAGE_REQUEST_PASID_VALID,
  IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID,
  IOMMU_FAULT_PERM_EXEC,
  IOMMU_FAULT_PERM_PRIV,
  IOMMU_FAULT_PERM_READ,
  IOMMU_FAULT_PERM_WRITE,
  IOMMU_PAGE_RESP_FAILURE,
  IOMMU_PAGE_RESP_INVALID,
  IOMMU_PAGE_RESP_SUCCESS,
} from '../kernel/iommu-core';
import { PRG_RESP_FAILURE, PRG_RESP_INVALID, PRG_RESP_SUCCESS } from '../hw/pci-regs';
import type { VendorProfile } from './vendor-profiles';

/** `prm.flags` from the profile's NEEDS_PASID rule. */
export function prmFlags(profile: VendorProfile, pasidValid: boolean, last: boolean): number {
  const needs = profile.needsPasid === 'always' || (profile.needsPasid === 'ifPasidPresent' && pasidValid);
  return (
    (last ? IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE : 0) |
    (pasidValid ? IOMMU_FAULT_PAGE_REQUEST_PASID_VALID : 0) |
    (needs ? IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID : 0)
  );
}

export function permBits(read: boolean, write: boolean, exec: boolean, priv: boolean): number {
  return (
    (read ? IOMMU_FAULT_PERM_READ : 0) |
    (write ? IOMMU_FAULT_PERM_WRITE : 0) |
    (exec ? IOMMU_FAULT_PERM_EXEC : 0) |
    (priv ? IOMMU_FAULT_PERM_PRIV : 0)
  );
}

/**
 * Kernel response code → 4-bit PRG response code. 'asCoded' is what VT-d
 * (QI_PGRP_RESP_CODE(msg->code)) and AMD (status & PPR_STATUS_MASK) do: FAILURE
 * (2) goes out as reserved 0010b. 'specMapped' sends 1111b.
 */
export function wireCode(profile: VendorProfile, code: number): number {
  if (profile.responseEncoding === 'asCoded') return code & 0xf;
  if (code === IOMMU_PAGE_RESP_SUCCESS) return PRG_RESP_SUCCESS;
  if (code === IOMMU_PAGE_RESP_INVALID) return PRG_RESP_INVALID;
  if (code === IOMMU_PAGE_RESP_FAILURE) return PRG_RESP_FAILURE;
  return PRG_RESP_FAILURE; // QEMU: anything but 0/1 is Failure
}

/** x86 canonical address check of prq.c is_canonical_address(). */
export function isCanonical(addr: bigint, vaBits: number): boolean {
  if (vaBits >= 64) return true;
  const s = BigInt.asIntN(64, addr);
  const shift = BigInt(64 - vaBits);
  return BigInt.asIntN(64, s << shift) >> shift === s;
}
