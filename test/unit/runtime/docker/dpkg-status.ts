// A /var/lib/dpkg/status excerpt: a Depends closure with alternatives, a provider, a cycle and a removed package.
export const STATUS = `Package: iptables
Status: install ok installed
Architecture: amd64
Version: 1.8.9-2
Pre-Depends: libc6 (>= 2.34)
Depends: libip4tc2 (= 1.8.9-2), libnftnl11 (>= 1.1.6) | libnftnl-legacy,
 netbase, debconf (>= 0.5) | debconf-2.0
Description: administration tools
 for packet filtering

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.36-9
Depends: libgcc-s1

Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Version: 12.2.0-14
Depends: libc6 (>= 2.35)

Package: libip4tc2
Status: install ok installed
Architecture: amd64
Version: 1.8.9-2

Package: libnftnl11
Status: install ok installed
Architecture: amd64
Version: 1.2.4-2

Package: netbase
Status: install ok installed
Architecture: all
Version: 6.4

Package: cdebconf
Status: install ok installed
Architecture: amd64
Version: 0.270
Provides: debconf-2.0

Package: python3
Status: install ok installed
Architecture: amd64
Version: 3.11.2-1

Package: busybox
Status: deinstall ok config-files
Architecture: amd64
Version: 1:1.35.0-4

Package: busybox-static
Status: install ok installed
Architecture: amd64
Version: 1:1.35.0-4
`;
