//! NVML, the NVIDIA Management Library, opened with `dlopen` at run time: perfgate links
//! nothing of NVIDIA's, so the binary runs (and its tests pass) on machines without a GPU.
//!
//! Only the C API functions below are used. The one layout that has changed across driver
//! releases is the per-process record of `nvmlDeviceGetComputeRunningProcesses*`:
//! - unversioned: `{ pid: u32, usedGpuMemory: u64 }`, 16 bytes;
//! - `_v2`, and `_v3` on most drivers: `+ gpuInstanceId: u32, computeInstanceId: u32`, 24 bytes;
//! - `_v3` on the R535-era drivers that have `nvmlDeviceGetConfComputeMemSizeInfo` but not yet
//!   `nvmlDeviceGetRunningProcessDetailList`: `+ usedGpuCcProtectedMemory: u64`, 32 bytes
//!   (later drivers moved that record to the detail-list call and gave `_v3` the 24 bytes back).
//!
//! The stride is chosen by that rule, and the buffer always has room for 32-byte records, so
//! a wrong guess can misread a record but never lets the driver write past the buffer.

use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

use super::{GpuSample, GpuSampler};

type Ret = c_int;
type Device = *mut c_void;

const SUCCESS: Ret = 0;
const ERROR_INSUFFICIENT_SIZE: Ret = 7;
/// `usedGpuMemory` when the driver cannot tell (e.g. Windows WDDM).
const VALUE_NOT_AVAILABLE: u64 = u64::MAX;
/// NVML_DEVICE_NAME_V2_BUFFER_SIZE.
const NAME_BUFFER: usize = 96;
/// NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE.
const DRIVER_BUFFER: usize = 80;
/// The largest process record any driver writes (see the module docs).
const MAX_RECORD: usize = 32;

const LIBRARIES: [&str; 2] = ["libnvidia-ml.so.1", "libnvidia-ml.so"];

/// One GPU as NVML names it.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuInfo {
    pub index: u32,
    pub name: String,
    pub memory_total: Option<u64>,
}

/// `nvmlUtilization_t`.
#[repr(C)]
#[derive(Default)]
struct Utilization {
    gpu: c_uint,
    #[allow(dead_code)] // part of the C layout; perfgate reports only `gpu`
    memory: c_uint,
}

/// `nvmlMemory_t` (version 1).
#[repr(C)]
#[derive(Default)]
#[allow(dead_code)] // `free` and `used` are part of the C layout; only `total` is read
struct Memory {
    total: u64,
    free: u64,
    used: u64,
}

type ProcessesFn = unsafe extern "C" fn(Device, *mut c_uint, *mut c_void) -> Ret;

struct Api {
    shutdown: unsafe extern "C" fn() -> Ret,
    get_count: unsafe extern "C" fn(*mut c_uint) -> Ret,
    handle_by_index: unsafe extern "C" fn(c_uint, *mut Device) -> Ret,
    get_name: unsafe extern "C" fn(Device, *mut c_char, c_uint) -> Ret,
    driver_version: unsafe extern "C" fn(*mut c_char, c_uint) -> Ret,
    processes: ProcessesFn,
    processes_name: &'static str,
    /// Bytes per record written by `processes`.
    stride: usize,
    utilization: unsafe extern "C" fn(Device, *mut Utilization) -> Ret,
    memory_info: Option<unsafe extern "C" fn(Device, *mut Memory) -> Ret>,
    error_string: unsafe extern "C" fn(Ret) -> *const c_char,
}

/// An initialised NVML with the handles of every device. Dropping it shuts NVML down.
pub struct Nvml {
    lib: *mut c_void,
    api: Api,
    devices: Vec<Device>,
    /// Reused between samples: room for `buf.len() * 8 / MAX_RECORD` process records.
    buf: Vec<u64>,
}

// SAFETY: NVML documents its API as thread-safe; the library and device handles are opaque
// pointers that stay valid until `nvmlShutdown`, which only `Drop` calls.
unsafe impl Send for Nvml {}

impl Nvml {
    /// Opens `libnvidia-ml.so.1` (or `libnvidia-ml.so`) and initialises NVML. The error says
    /// which step failed: the library is absent, lacks a function, or NVML's own reason.
    pub fn load() -> Result<Nvml, String> {
        Self::load_from(&LIBRARIES)
    }

    fn load_from(names: &[&'static str]) -> Result<Nvml, String> {
        let (lib, name) = open_first(names)?;
        // SAFETY: `lib` is a live handle from dlopen; each symbol is cast to the signature the
        // NVML headers give it.
        let loaded = unsafe { resolve(lib, name) }.and_then(|api| {
            // SAFETY: nvmlInit_v2 takes no arguments; it was resolved from `lib`.
            let init: unsafe extern "C" fn() -> Ret = unsafe { symbol(lib, c"nvmlInit_v2") }
                .ok_or_else(|| format!("{name} has no nvmlInit_v2"))?;
            // SAFETY: as above.
            let ret = unsafe { init() };
            if ret != SUCCESS {
                // SAFETY: nvmlErrorString accepts any return code and works before init.
                let why = unsafe { message(api.error_string, ret) };
                return Err(format!("NVML could not initialise ({name}): {why}"));
            }
            Ok(api)
        });
        let api = match loaded {
            Ok(api) => api,
            Err(e) => {
                // SAFETY: `lib` came from dlopen and nothing from it is used after this.
                unsafe { libc::dlclose(lib) };
                return Err(e);
            }
        };
        let mut nvml = Nvml {
            lib,
            api,
            devices: Vec::new(),
            buf: vec![0u64; 16 * MAX_RECORD / 8],
        };
        let mut count: c_uint = 0;
        // SAFETY: `count` is a valid out-pointer.
        nvml.check("nvmlDeviceGetCount_v2", unsafe {
            (nvml.api.get_count)(&mut count)
        })?;
        for i in 0..count {
            let mut device: Device = std::ptr::null_mut();
            // SAFETY: `device` is a valid out-pointer; `i` is below the device count.
            let ret = unsafe { (nvml.api.handle_by_index)(i, &mut device) };
            // A device that cannot be opened (no permission, fallen off the bus) is left out
            // rather than hiding the others.
            if ret == SUCCESS {
                nvml.devices.push(device);
            }
        }
        Ok(nvml)
    }

    /// The devices NVML could open, in index order.
    pub fn devices(&self) -> Vec<GpuInfo> {
        let mut infos = Vec::with_capacity(self.devices.len());
        for (index, &device) in self.devices.iter().enumerate() {
            let mut name = [0 as c_char; NAME_BUFFER];
            // SAFETY: `name` has NAME_BUFFER bytes, the length passed.
            let ret =
                unsafe { (self.api.get_name)(device, name.as_mut_ptr(), NAME_BUFFER as c_uint) };
            let name = if ret == SUCCESS {
                c_string(&name)
            } else {
                "unknown NVIDIA GPU".to_string()
            };
            let memory_total = self.api.memory_info.and_then(|f| {
                let mut m = Memory::default();
                // SAFETY: `m` is a valid nvmlMemory_t out-pointer.
                (unsafe { f(device, &mut m) } == SUCCESS).then_some(m.total)
            });
            infos.push(GpuInfo {
                index: index as u32,
                name,
                memory_total,
            });
        }
        infos
    }

    /// The driver's version, e.g. `550.54.15`.
    pub fn driver_version(&self) -> Option<String> {
        let mut buf = [0 as c_char; DRIVER_BUFFER];
        // SAFETY: `buf` has DRIVER_BUFFER bytes, the length passed.
        let ret = unsafe { (self.api.driver_version)(buf.as_mut_ptr(), DRIVER_BUFFER as c_uint) };
        (ret == SUCCESS).then(|| c_string(&buf))
    }

    fn check(&self, what: &str, ret: Ret) -> Result<(), String> {
        if ret == SUCCESS {
            Ok(())
        } else {
            // SAFETY: nvmlErrorString accepts any return code.
            Err(format!("{what}: {}", unsafe {
                message(self.api.error_string, ret)
            }))
        }
    }

    /// `(pid, used bytes)` of every compute process on `device`. The list can grow between
    /// the size query and the read, so an INSUFFICIENT_SIZE answer grows the buffer and asks
    /// again, a few times.
    fn processes(&mut self, device: Device) -> Result<Vec<(u32, u64)>, String> {
        for _ in 0..4 {
            let capacity = self.buf.len() * 8 / MAX_RECORD;
            let mut count = capacity as c_uint;
            let ptr = if capacity == 0 {
                std::ptr::null_mut()
            } else {
                self.buf.as_mut_ptr().cast()
            };
            // SAFETY: `ptr` is null with count 0 (a size query) or has room for `count`
            // records of up to MAX_RECORD bytes, more than any driver writes per record.
            let ret = unsafe { (self.api.processes)(device, &mut count, ptr) };
            match ret {
                SUCCESS if count == 0 || capacity == 0 => return Ok(Vec::new()),
                SUCCESS => return Ok(self.records(count.min(capacity as c_uint) as usize)),
                ERROR_INSUFFICIENT_SIZE => {
                    let want = (count as usize).max(capacity) * 2 + 8;
                    self.buf = vec![0u64; want * MAX_RECORD / 8];
                }
                _ => self.check(self.api.processes_name, ret)?,
            }
        }
        Err(format!(
            "{}: the process list kept growing",
            self.api.processes_name
        ))
    }

    fn records(&self, count: usize) -> Vec<(u32, u64)> {
        // SAFETY: a Vec<u64>'s storage, seen as bytes, is initialised and fully in bounds.
        let bytes: &[u8] =
            unsafe { std::slice::from_raw_parts(self.buf.as_ptr().cast(), self.buf.len() * 8) };
        (0..count)
            .map(|i| read_record(&bytes[i * self.api.stride..]))
            .collect()
    }

    fn utilization(&self, device: Device) -> Option<f64> {
        let mut u = Utilization::default();
        // SAFETY: `u` is a valid nvmlUtilization_t out-pointer.
        let ret = unsafe { (self.api.utilization)(device, &mut u) };
        (ret == SUCCESS).then_some(f64::from(u.gpu))
    }
}

/// `pid` at offset 0 and `usedGpuMemory` at offset 8, in every version of the record.
fn read_record(bytes: &[u8]) -> (u32, u64) {
    let pid = u32::from_ne_bytes(bytes[0..4].try_into().expect("4 bytes"));
    let used = u64::from_ne_bytes(bytes[8..16].try_into().expect("8 bytes"));
    (pid, used)
}

impl GpuSampler for Nvml {
    /// Sums the memory the given processes use on every device; the utilisation is the
    /// highest among the devices they use (`None` when they use none, or it is unsupported).
    fn sample(&mut self, pids: &[u32]) -> Result<GpuSample, String> {
        let mut sample = GpuSample::default();
        for i in 0..self.devices.len() {
            let device = self.devices[i];
            let procs = self
                .processes(device)
                .map_err(|e| format!("GPU {i}: {e}"))?;
            let mut uses_device = false;
            for (pid, used) in procs {
                if pids.contains(&pid) {
                    uses_device = true;
                    if used != VALUE_NOT_AVAILABLE {
                        sample.used_bytes += used;
                    }
                }
            }
            if uses_device {
                if let Some(u) = self.utilization(device) {
                    sample.util_pct = Some(sample.util_pct.map_or(u, |m: f64| m.max(u)));
                }
            }
        }
        Ok(sample)
    }
}

impl Drop for Nvml {
    fn drop(&mut self) {
        // SAFETY: NVML was initialised in `load`; no handle is used after this.
        unsafe {
            (self.api.shutdown)();
            libc::dlclose(self.lib);
        }
    }
}

fn open_first(names: &[&'static str]) -> Result<(*mut c_void, &'static str), String> {
    let mut reasons = Vec::new();
    for &name in names {
        let c = std::ffi::CString::new(name).map_err(|e| format!("{name}: {e}"))?;
        // SAFETY: `c` is a NUL-terminated path; the flags are valid.
        let lib = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if !lib.is_null() {
            return Ok((lib, name));
        }
        // SAFETY: dlerror returns null or a NUL-terminated string valid until the next dl call.
        let err = unsafe { libc::dlerror() };
        reasons.push(if err.is_null() {
            format!("{name}: not found")
        } else {
            // SAFETY: non-null, NUL-terminated (see above).
            unsafe { CStr::from_ptr(err) }
                .to_string_lossy()
                .into_owned()
        });
    }
    Err(format!(
        "NVML is not available (is the NVIDIA driver installed?): {}",
        reasons.join("; ")
    ))
}

/// # Safety
/// `lib` must be a live dlopen handle, and `T` the function-pointer type of `name`.
unsafe fn symbol<T: Copy>(lib: *mut c_void, name: &CStr) -> Option<T> {
    assert_eq!(std::mem::size_of::<T>(), std::mem::size_of::<*mut c_void>());
    // SAFETY: per the contract above.
    let p = unsafe { libc::dlsym(lib, name.as_ptr()) };
    // SAFETY: a non-null symbol address reinterpreted as its declared function type.
    (!p.is_null()).then(|| unsafe { std::mem::transmute_copy::<*mut c_void, T>(&p) })
}

/// # Safety
/// `lib` must be a live dlopen handle of NVML.
unsafe fn resolve(lib: *mut c_void, name: &str) -> Result<Api, String> {
    let missing = |f: &str| format!("{name} has no {f} (driver too old?)");
    macro_rules! need {
        ($sym:literal) => {
            // SAFETY: the field's type is the C signature of the symbol.
            unsafe { symbol(lib, $sym) }.ok_or_else(|| missing($sym.to_str().unwrap_or("?")))?
        };
    }
    // SAFETY: lookups only.
    let has = |s: &CStr| unsafe { !libc::dlsym(lib, s.as_ptr()).is_null() };
    let (processes_name, stride) = if has(c"nvmlDeviceGetComputeRunningProcesses_v3") {
        let cc_record = has(c"nvmlDeviceGetConfComputeMemSizeInfo")
            && !has(c"nvmlDeviceGetRunningProcessDetailList");
        let stride = if cc_record { 32 } else { 24 };
        ("nvmlDeviceGetComputeRunningProcesses_v3", stride)
    } else if has(c"nvmlDeviceGetComputeRunningProcesses_v2") {
        ("nvmlDeviceGetComputeRunningProcesses_v2", 24)
    } else {
        ("nvmlDeviceGetComputeRunningProcesses", 16)
    };
    let c_name = std::ffi::CString::new(processes_name).expect("no NUL");
    // SAFETY: all three versions share this C signature (the record type differs).
    let processes: ProcessesFn =
        unsafe { symbol(lib, &c_name) }.ok_or_else(|| missing(processes_name))?;
    Ok(Api {
        shutdown: need!(c"nvmlShutdown"),
        get_count: need!(c"nvmlDeviceGetCount_v2"),
        handle_by_index: need!(c"nvmlDeviceGetHandleByIndex_v2"),
        get_name: need!(c"nvmlDeviceGetName"),
        driver_version: need!(c"nvmlSystemGetDriverVersion"),
        processes,
        processes_name,
        stride,
        utilization: need!(c"nvmlDeviceGetUtilizationRates"),
        // SAFETY: nvmlDeviceGetMemoryInfo(device, nvmlMemory_t*).
        memory_info: unsafe { symbol(lib, c"nvmlDeviceGetMemoryInfo") },
        error_string: need!(c"nvmlErrorString"),
    })
}

/// # Safety
/// `f` must be NVML's `nvmlErrorString`.
unsafe fn message(f: unsafe extern "C" fn(Ret) -> *const c_char, ret: Ret) -> String {
    // SAFETY: per the contract; NVML returns a static string or null.
    let p = unsafe { f(ret) };
    if p.is_null() {
        format!("NVML error {ret}")
    } else {
        // SAFETY: non-null static NUL-terminated string.
        let s = unsafe { CStr::from_ptr(p) }.to_string_lossy();
        format!("{s} (NVML error {ret})")
    }
}

fn c_string(buf: &[c_char]) -> String {
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_is_an_error_that_names_it() {
        let err = Nvml::load_from(&["libperfgate-no-such-nvml.so.1"])
            .err()
            .expect("no such library");
        assert!(err.contains("libperfgate-no-such-nvml.so.1"), "{err}");
        assert!(err.contains("NVML is not available"), "{err}");
    }

    #[test]
    fn loading_nvml_here_either_works_or_says_why() {
        match Nvml::load() {
            // Without a GPU (the usual case in CI): the message names the library.
            Err(e) => assert!(e.contains("libnvidia-ml.so"), "{e}"),
            // With one: the queries answer without panicking.
            Ok(mut nvml) => {
                let _ = nvml.driver_version();
                let _ = nvml.devices();
                let s = nvml.sample(&[std::process::id()]);
                assert!(s.is_ok(), "{s:?}");
            }
        }
    }

    #[test]
    fn records_are_read_at_the_stride() {
        let mut bytes = [0u8; 3 * 24];
        for (i, (pid, used)) in [(10u32, 100u64), (20, 200), (30, u64::MAX)]
            .into_iter()
            .enumerate()
        {
            bytes[i * 24..i * 24 + 4].copy_from_slice(&pid.to_ne_bytes());
            bytes[i * 24 + 8..i * 24 + 16].copy_from_slice(&used.to_ne_bytes());
            bytes[i * 24 + 16..i * 24 + 24].fill(0xff);
        }
        let got: Vec<_> = (0..3).map(|i| read_record(&bytes[i * 24..])).collect();
        assert_eq!(got, [(10, 100), (20, 200), (30, u64::MAX)]);
    }
}
