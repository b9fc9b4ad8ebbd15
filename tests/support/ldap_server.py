"""A real OpenLDAP server (Debian's ``slapd``) on 127.0.0.1, unprivileged, in a temporary folder.

The directory holds people under ``ou=people`` and groups (``groupOfNames``) under ``ou=groups``; the
``memberof`` overlay gives each person the ``memberOf`` attribute Flask-AppBuilder's LDAP login reads
for AUTH_ROLES_MAPPING, as Active Directory does. Superset searches with a bind user of its own
(``cn=superset``), never the directory's root.
"""

from __future__ import annotations

import base64
import importlib.util
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from jamfor.superset.runtime.local_superset import free_port, stop
from support.databases import unavailable

SLAPD = Path("/usr/sbin/slapd")
SUFFIX = "dc=jamfor,dc=test"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
BIND_DN = f"cn=superset,{SUFFIX}"

_CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {home}/slapd.pid
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "cn=root,{suffix}"
rootpw {root_password}
directory {home}/db
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint true
access to attrs=userPassword by self read by anonymous auth by * none
access to * by dn.exact="{bind_dn}" read by self read by * none
"""


@dataclass(frozen=True)
class LdapPerson:
    uid: str
    password: str
    given_name: str
    surname: str
    groups: tuple[str, ...]  # group cns

    @property
    def dn(self) -> str:
        return f"uid={self.uid},{PEOPLE}"


@dataclass(frozen=True)
class LdapServer:
    url: str
    bind_password: str  # of BIND_DN, the user Superset searches with

    def __repr__(self) -> str:
        return f"LdapServer(url={self.url!r})"


def group_dn(name: str) -> str:
    return f"cn={name},{GROUPS}"


def _line(name: str, value: str) -> str:
    """One LDIF attribute line; values beyond ASCII (Läsare, lösen) base64-encoded, as LDIF wants."""
    if value.isascii():
        return f"{name}: {value}"
    return f"{name}:: {base64.b64encode(value.encode()).decode()}"


def _entry(dn: str, *attributes: tuple[str, str]) -> str:
    return "\n".join([_line("dn", dn), *(_line(name, value) for name, value in attributes)])


def _ldif(people: list[LdapPerson], bind_password: str) -> str:
    entries = [_entry(SUFFIX, ("objectClass", "dcObject"), ("objectClass", "organization"), ("dc", "jamfor"),
                      ("o", "jamfor")),
               _entry(PEOPLE, ("objectClass", "organizationalUnit"), ("ou", "people")),
               _entry(GROUPS, ("objectClass", "organizationalUnit"), ("ou", "groups")),
               _entry(BIND_DN, ("objectClass", "person"), ("objectClass", "simpleSecurityObject"),
                      ("cn", "superset"), ("sn", "superset"), ("userPassword", bind_password))]
    for p in people:
        entries.append(_entry(p.dn, ("objectClass", "inetOrgPerson"), ("uid", p.uid),
                              ("cn", f"{p.given_name} {p.surname}"), ("givenName", p.given_name),
                              ("sn", p.surname), ("mail", f"{p.uid}@kommun.example.se"),
                              ("userPassword", p.password)))
    for name in sorted({g for p in people for g in p.groups}):
        members = [("member", p.dn) for p in people if name in p.groups]
        entries.append(_entry(group_dn(name), ("objectClass", "groupOfNames"), ("cn", name), *members))
    return "\n\n".join(entries) + "\n"


@contextmanager
def ldap_server(home: Path, people: list[LdapPerson]) -> Iterator[LdapServer]:
    """slapd serving ``people`` and their groups at ldap://127.0.0.1:<free port> until the block ends."""
    if not SLAPD.exists() or not shutil.which("ldapadd"):
        unavailable("slapd and ldap-utils are not installed (apt-get install slapd ldap-utils)")
    if importlib.util.find_spec("ldap") is None:
        unavailable("python-ldap is not installed: the signin extra, which builds against libldap2-dev "
                    "and libsasl2-dev")
    root_password, bind_password = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    (home / "db").mkdir(parents=True)
    config = home / "slapd.conf"
    config.write_text(_CONFIG.format(home=home, suffix=SUFFIX, root_password=root_password, bind_dn=BIND_DN))
    url = f"ldap://127.0.0.1:{free_port()}"
    log = (home / "slapd.log").open("w")
    # -d 0: in the foreground, so that this process is the server and stopping it stops slapd
    process = subprocess.Popen([str(SLAPD), "-f", str(config), "-h", f"{url}/", "-d", "0"],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _seed(url, root_password, _ldif(people, bind_password), process, home)
        yield LdapServer(url, bind_password)
    finally:
        stop(process)
        log.close()


def _seed(url: str, root_password: str, ldif: str, process: subprocess.Popen, home: Path) -> None:
    """Load the entries as the directory's root once slapd answers (the root password from a file
    readable only by us, never in argv)."""
    secret = home / "root_password"
    secret.write_text(root_password)
    secret.chmod(0o600)
    args = ["ldapadd", "-x", "-H", url, "-D", f"cn=root,{SUFFIX}", "-y", str(secret)]
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited with {process.returncode}; see {home / 'slapd.log'}")
        done = subprocess.run(args, input=ldif, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"ldapadd failed: {done.stderr.strip()}")
        time.sleep(0.3)
