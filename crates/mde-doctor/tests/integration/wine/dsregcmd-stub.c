/* A stand-in for dsregcmd.exe in the Wine test: prints dsregcmd-sample.txt, found beside
   this program, byte for byte, as the real one prints its report. */
#include <windows.h>
#include <stdio.h>
#include <fcntl.h>
#include <io.h>
int main(void) {
    char path[MAX_PATH];
    DWORD n = GetModuleFileNameA(NULL, path, MAX_PATH);
    if (n == 0 || n >= MAX_PATH) return 2;
    char *slash = strrchr(path, '\\');
    if (!slash) return 2;
    strcpy(slash + 1, "dsregcmd-sample.txt");
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "no %s\n", path); return 3; }
    _setmode(_fileno(stdout), _O_BINARY);
    char buf[8192];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, got, stdout);
    fclose(f);
    return 0;
}
