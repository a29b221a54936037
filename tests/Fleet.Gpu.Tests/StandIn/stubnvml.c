/* A stand-in libnvidia-ml.so.1 for the stand-in H200 of stubcuda.c (PCI bus id 00000000:1B:00.0). Every call is logged
   (stublog.h). Chosen calls fail with a chosen nvmlReturn_t: $STUB_NVML_FAIL="nvmlDeviceGetSerial=999,..." or, in-process,
   stub_nvml_set_fail("..."). Build: gcc -shared -fPIC -Wl,-soname,libnvidia-ml.so.1 -o libnvidia-ml.so.1 stubnvml.c */
#include <stdint.h>
#include "stublog.h"
#define LOG(...) stub_log("stubnvml", __VA_ARGS__)
static char *override_spec = NULL;
void stub_nvml_set_fail(const char *spec) { free(override_spec); override_spec = spec ? strdup(spec) : NULL; }
static int fail(const char *call) {
  int c = stub_fail_code(override_spec ? override_spec : getenv("STUB_NVML_FAIL"), call);
  LOG("%s -> %d", call, c);
  return c; }
#define CALL(name) do { int _c = fail(name); if (_c) return _c; } while (0)
#define DEV ((void *)0x5000)
#define STR(name, value) int name(void *d, char *buf, unsigned len) { CALL(#name); snprintf(buf, len, "%s", value); return 0; }
#define UINT(name, value) int name(void *d, unsigned *v) { CALL(#name); *v = value; return 0; }
int nvmlInit_v2(void) { CALL("nvmlInit_v2"); return 0; }
int nvmlShutdown(void) { return 0; }
int nvmlSystemGetDriverVersion(char *buf, unsigned len) { CALL("nvmlSystemGetDriverVersion"); snprintf(buf, len, "580.65.06"); return 0; }
int nvmlSystemGetCudaDriverVersion_v2(int *v) { CALL("nvmlSystemGetCudaDriverVersion_v2"); *v = 13000; return 0; }
int nvmlDeviceGetCount_v2(unsigned *c) { CALL("nvmlDeviceGetCount_v2"); *c = 1; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned i, void **d) { CALL("nvmlDeviceGetHandleByIndex_v2"); if (i) return 2; *d = DEV; return 0; }
int nvmlDeviceGetHandleByPciBusId_v2(const char *bus, void **d) {
  CALL("nvmlDeviceGetHandleByPciBusId_v2");
  if (strcasecmp(bus, "00000000:1B:00.0") != 0) return 6; /* NOT_FOUND */
  *d = DEV; return 0; }
STR(nvmlDeviceGetName, "NVIDIA H200")
STR(nvmlDeviceGetUUID, "GPU-5a1d0000-0000-4000-8000-000000000001")
STR(nvmlDeviceGetSerial, "1650724000001")
STR(nvmlDeviceGetBoardPartNumber, "699-2G530-0200-000")
STR(nvmlDeviceGetVbiosVersion, "96.00.99.00.01")
STR(nvmlDeviceGetInforomImageVersion, "G530.0200.00.01")
typedef struct { char legacy[16]; unsigned domain, bus, device, pciDeviceId, pciSubSystemId; char busId[32]; } pci;
int nvmlDeviceGetPciInfo_v3(void *d, pci *p) {
  CALL("nvmlDeviceGetPciInfo_v3"); memset(p, 0, sizeof *p);
  snprintf(p->legacy, 16, "0000:1B:00.0"); snprintf(p->busId, 32, "00000000:1B:00.0");
  p->bus = 0x1b; p->pciDeviceId = 0x233510de; p->pciSubSystemId = 0x18b010de; return 0; }
UINT(nvmlDeviceGetCurrPcieLinkGeneration, 5)
UINT(nvmlDeviceGetMaxPcieLinkGeneration, 5)
UINT(nvmlDeviceGetCurrPcieLinkWidth, 16)
UINT(nvmlDeviceGetMaxPcieLinkWidth, 16)
UINT(nvmlDeviceGetPcieReplayCounter, 0)
UINT(nvmlDeviceGetPowerUsage, 312000)
UINT(nvmlDeviceGetEnforcedPowerLimit, 700000)
int nvmlDeviceGetTemperature(void *d, int s, unsigned *t) { CALL("nvmlDeviceGetTemperature"); *t = 41; return 0; }
int nvmlDeviceGetTemperatureThreshold(void *d, int k, unsigned *t) { CALL("nvmlDeviceGetTemperatureThreshold"); *t = k == 0 ? 95 : k == 1 ? 92 : 87; return 0; }
int nvmlDeviceGetTotalEnergyConsumption(void *d, unsigned long long *e) { CALL("nvmlDeviceGetTotalEnergyConsumption"); *e = 123456789ULL; return 0; }
int nvmlDeviceGetClockInfo(void *d, int type, unsigned *c) { CALL("nvmlDeviceGetClockInfo"); *c = type == 2 ? 3201 : 1980; return 0; }
int nvmlDeviceGetMaxClockInfo(void *d, int type, unsigned *c) { CALL("nvmlDeviceGetMaxClockInfo"); *c = type == 2 ? 3201 : 1980; return 0; }
int nvmlDeviceGetCurrentClocksEventReasons(void *d, unsigned long long *r) { CALL("nvmlDeviceGetCurrentClocksEventReasons"); *r = 0; return 0; }
int nvmlDeviceGetTotalEccErrors(void *d, int type, int counter, unsigned long long *c) { CALL("nvmlDeviceGetTotalEccErrors"); *c = 0; return 0; }
int nvmlDeviceGetRemappedRows(void *d, unsigned *c, unsigned *u, unsigned *p, unsigned *f) { CALL("nvmlDeviceGetRemappedRows"); *c = *u = *p = *f = 0; return 0; }
int nvmlDeviceGetRetiredPages(void *d, int cause, unsigned *n, unsigned long long *a) { CALL("nvmlDeviceGetRetiredPages"); *n = 0; return 0; }
int nvmlEventSetCreate(void **s) { CALL("nvmlEventSetCreate"); *s = malloc(8); return 0; }
int nvmlDeviceRegisterEvents(void *d, unsigned long long types, void *s) { CALL("nvmlDeviceRegisterEvents"); return 0; }
int nvmlEventSetWait_v2(void *s, void *data, unsigned ms) { return 10; /* TIMEOUT: no Xid */ }
int nvmlEventSetFree(void *s) { free(s); return 0; }
