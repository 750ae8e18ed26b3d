/* bcryptprimitives.dll for Wine 8, which lacks it: Rust's standard library imports
   ProcessPrng from it (Windows 10+), so a Rust .exe does not start without this shim.
   ProcessPrng forwards to RtlGenRandom (advapi32's SystemFunction036), in chunks because
   ProcessPrng takes a SIZE_T and RtlGenRandom a ULONG. Built by the Wine test with
   x86_64-w64-mingw32-gcc -shared bcryptprimitives.c bcryptprimitives.def -ladvapi32. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
