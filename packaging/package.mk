# packaging/package.mk: the Debian package, included by the top Makefile.
#
#   make deb        build schedd_VERSION_ARCH.deb into $(B)/ and lint it
#   make deb-tools  make sure debhelper, dpkg-dev, fakeroot, lintian are there
#
# dpkg-buildpackage wants debian/ at the top of the source tree, so the
# tree (tracked and untracked files that git does not ignore) is copied
# into $(B)/deb/, packaging/debian becomes its debian/, and the package is
# built there. Nothing outside $(B)/deb/ and $(B)/*.deb is written.

DEB_TOOLS   := debhelper dpkg-dev fakeroot lintian
DEB_WORK     = $(B)/deb
DEB_SRC      = $(DEB_WORK)/schedd-$(VERSION)
DEB_VERSION  = $(shell dpkg-parsechangelog -l packaging/debian/changelog -S Version)
DEB_ARCH     = $(shell dpkg --print-architecture)
DEB_FILE     = schedd_$(DEB_VERSION)_$(DEB_ARCH).deb

# Variables of this build that must not leak into the package build
# (`make deb SAN=1` would otherwise package a sanitizer binary).
DEB_UNSET   := MAKEFLAGS MFLAGS MAKELEVEL B SAN OPT DESTDIR PREFIX sbindir \
	mandir sysconfdir unitdir

.PHONY: deb deb-tools

# As root, installs what is missing; otherwise prints the exact command.
deb-tools:
	@missing=""; \
	for p in $(DEB_TOOLS); do \
		st=$$(dpkg-query -W -f='$${db:Status-Status}' "$$p" 2>/dev/null); \
		[ "$$st" = installed ] || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "schedd: installing missing packaging tools:$$missing" >&2; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q >&2 && apt-get install -y -q $$missing >&2; \
		exit $$?; \
	fi; \
	echo "schedd: missing packaging tools:$$missing" >&2; \
	echo "schedd: run as root:  apt-get install -y$$missing" >&2; \
	exit 1

deb: deb-tools
	@v='$(DEB_VERSION)'; [ "$${v%-*}" = '$(VERSION)' ] || { \
		echo "schedd: packaging/debian/changelog is at $$v," \
		    "the Makefile at $(VERSION)" >&2; exit 1; }
	rm -rf $(DEB_WORK)
	mkdir -p $(DEB_SRC)
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
		xargs -0 sh -c 'for f do \
			if [ -e "$$f" ] || [ -L "$$f" ]; then printf "%s\0" "$$f"; fi; \
		done' sh | \
		tar --null -T - -cf - | tar -C $(DEB_SRC) -xf -; \
	else \
		tar --exclude=./build --exclude=./build-asan \
		    --exclude=./build-fuzz --exclude=./debian -cf - . | \
		tar -C $(DEB_SRC) -xf -; \
	fi
	rm -rf $(DEB_SRC)/debian
	cp -R packaging/debian $(DEB_SRC)/debian
	chmod 755 $(DEB_SRC)/debian/rules
	cd $(DEB_SRC) && env $(DEB_UNSET:%=-u %) dpkg-buildpackage -us -uc -b
	cp $(DEB_WORK)/$(DEB_FILE) $(B)/$(DEB_FILE)
	lintian --fail-on error $(B)/$(DEB_FILE)
	@echo "schedd: built $(B)/$(DEB_FILE)"
