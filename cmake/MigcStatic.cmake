# Fully static migrate binaries (add_migrations(... STATIC)): see docs/static.md.
include_guard(GLOBAL)

# Links `target` fully static. GSSAPI and LDAP are left out: Debian ships no
# static builds of them.
function(_migc_link_static target)
  target_link_options(${target} PRIVATE -static -static-libgcc -static-libstdc++)
endfunction()
