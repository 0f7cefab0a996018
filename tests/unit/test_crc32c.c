/* CRC-32C against published check values. */
#include <string.h>

#include "check.h"
#include "hsweep/crc32c.h"

int main(void)
{
    /* The CRC catalogue's check value of CRC-32/ISCSI for "123456789". */
    CHECK_EQ_INT(hs_crc32c(0, "123456789", 9), (long long)0xE3069283u);
    /* RFC 3720 B.4: 32 bytes of zeros give 0x8A9136AA, 32 bytes of 0xFF give 0x62A8AB43. */
    unsigned char b[32];
    memset(b, 0, sizeof b);
    CHECK_EQ_INT(hs_crc32c(0, b, sizeof b), (long long)0x8A9136AAu);
    memset(b, 0xFF, sizeof b);
    CHECK_EQ_INT(hs_crc32c(0, b, sizeof b), (long long)0x62A8AB43u);
    /* In pieces as in one piece: rows and traces are checksummed one after another. */
    CHECK_EQ_INT(hs_crc32c(hs_crc32c(0, "1234", 4), "56789", 5), (long long)0xE3069283u);
    CHECK_EQ_INT(hs_crc32c(0, "", 0), 0);
    return CHECK_DONE();
}
