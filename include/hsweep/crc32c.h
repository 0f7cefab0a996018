/*
 * CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected), the checksum of
 * iSCSI (RFC 3720 B.4) and ext4: per-row checksums of results files.
 */
#ifndef HSWEEP_CRC32C_H
#define HSWEEP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of crc's bytes followed by buf[0..n); start with crc = 0.  "123456789" gives 0xE3069283. */
uint32_t hs_crc32c(uint32_t crc, const void *buf, size_t n);

#endif
