//! Gives the shared library its SONAME on Linux (`libclaw_anthropic.so.<major>`), so programs
//! linked against it keep loading it across compatible upgrades (`make install` adds the
//! `.so.<major>` link).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libclaw_anthropic.so.{major}");
    }
}
