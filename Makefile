# Build and install the C library (libclaw_anthropic), its header and a pkg-config file.
#
#   make                              build the C library (release)
#   make install PREFIX=/usr/local    install it (DESTDIR is honoured for staging)
#   make uninstall PREFIX=/usr/local  remove exactly what `make install` installed
#
# Variables: PREFIX (default /usr/local), LIBDIR, INCLUDEDIR, DESTDIR, PROFILE (release | debug),
# CARGO_FLAGS (extra cargo flags, e.g. --no-default-features to leave out the mock server, or
# --features redis), CARGO_TARGET_DIR (honoured like cargo does).
#
# Installed: lib/libclaw_anthropic.so.$(VERSION) (SONAME libclaw_anthropic.so.$(MAJOR)) with the
# .so.$(MAJOR) and .so links, lib/libclaw_anthropic.a, include/claw_anthropic.h and
# lib/pkgconfig/claw_anthropic.pc; the libraries are stripped. Linux only.

CARGO      ?= cargo
STRIP      ?= strip
INSTALL    ?= install
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PROFILE    ?= release
CARGO_FLAGS ?=

ifneq ($(shell uname -s),Linux)
$(error make install supports Linux only (SONAME and .so links); on other systems build with `cargo build -p claw-anthropic-capi --release`)
endif

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR   := $(firstword $(subst ., ,$(VERSION)))
NAME    := libclaw_anthropic
SONAME  := $(NAME).so.$(MAJOR)

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
OUT        := $(TARGET_DIR)/$(PROFILE)
BUILD_DIR  := $(TARGET_DIR)/c-install
PROFILE_FLAG := $(if $(filter release,$(PROFILE)),--release,$(if $(filter debug,$(PROFILE)),,--profile $(PROFILE)))
CAPI := $(CARGO) rustc -p claw-anthropic-capi $(PROFILE_FLAG) $(CARGO_FLAGS)

.PHONY: all build install uninstall

all: build

# The libraries (the shared one gets its SONAME from capi/build.rs), then the static one once more,
# asking rustc which system libraries a static link needs. Cargo replays that note when the crate
# is already built, so it is always in the log.
build:
	@mkdir -p $(BUILD_DIR)
	$(CARGO) build -p claw-anthropic-capi $(PROFILE_FLAG) $(CARGO_FLAGS)
	$(CAPI) --crate-type staticlib -- --print native-static-libs 2>&1 | tee $(BUILD_DIR)/staticlib.log
	@sed -n 's/.*native-static-libs: //p' $(BUILD_DIR)/staticlib.log | tail -n 1 > $(BUILD_DIR)/libs-private
	@test -s $(BUILD_DIR)/libs-private || { echo "rustc did not report native-static-libs" >&2; exit 1; }
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e "s|@LIBS_PRIVATE@|$$(cat $(BUILD_DIR)/libs-private)|" \
	    capi/claw_anthropic.pc.in > $(BUILD_DIR)/claw_anthropic.pc
	@readelf -d $(OUT)/$(NAME).so | grep -q 'SONAME.*\[$(SONAME)\]' || { echo "$(OUT)/$(NAME).so lacks SONAME $(SONAME)" >&2; exit 1; }
	cp $(OUT)/$(NAME).so $(BUILD_DIR)/$(NAME).so.$(VERSION)
	cp $(OUT)/$(NAME).a $(BUILD_DIR)/$(NAME).a
	$(STRIP) --strip-unneeded $(BUILD_DIR)/$(NAME).so.$(VERSION)
	$(STRIP) --strip-debug $(BUILD_DIR)/$(NAME).a

install: build
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	$(INSTALL) -m 0755 $(BUILD_DIR)/$(NAME).so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(NAME).so.$(VERSION)
	ln -sf $(NAME).so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/$(NAME).so
	$(INSTALL) -m 0644 $(BUILD_DIR)/$(NAME).a $(DESTDIR)$(LIBDIR)/$(NAME).a
	$(INSTALL) -m 0644 include/claw_anthropic.h $(DESTDIR)$(INCLUDEDIR)/claw_anthropic.h
	$(INSTALL) -m 0644 $(BUILD_DIR)/claw_anthropic.pc $(DESTDIR)$(LIBDIR)/pkgconfig/claw_anthropic.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(NAME).so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/$(NAME).so $(DESTDIR)$(LIBDIR)/$(NAME).a \
	      $(DESTDIR)$(INCLUDEDIR)/claw_anthropic.h $(DESTDIR)$(LIBDIR)/pkgconfig/claw_anthropic.pc
