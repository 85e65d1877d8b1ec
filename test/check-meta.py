#!/usr/bin/env python3
"""Check META.json against the PGXN Meta Spec 1.0.0 and the tree.

No PGXN validator is packaged for Debian or npm, so this checks what the
spec (https://pgxn.org/meta/spec.txt, and the v1 JSON schemas of the
pgxn/meta project) requires: the required keys and their types, the term,
SemVer, licence, path, prereq and resource forms, and no unknown keys but
x_/X_ ones.  Against the tree it checks that the version is the control
file's default_version, that the files named exist, that LICENSE is the
PostgreSQL Licence and that debian/changelog releases the same version.

    check-meta.py TREE              check TREE/META.json
    check-meta.py --self-test TREE  also check that broken copies are refused

Python 3 standard library only.
"""

import copy
import json
import os
import re
import sys
import unicodedata

SEMVER = (r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
          r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
          r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
          r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?")
VERSION_RE = re.compile(r"^" + SEMVER + r"$", re.ASCII)
RANGE_ONE = r"(?:(?:[=!]=|[<>]=?)\s*)?(?:" + SEMVER + r"|0)"
RANGE_RE = re.compile(r"^" + RANGE_ONE + r"(?:,\s*" + RANGE_ONE + r")*$", re.ASCII)
LICENSES = {
    "agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd",
    "freebsd", "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1",
    "lgpl_3_0", "mit", "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5",
    "postgresql", "qpl_1_0", "ssleay", "sun", "zlib", "open_source",
    "restricted", "unrestricted", "unknown"}
TOP_REQUIRED = ["name", "version", "abstract", "maintainer", "license",
                "provides", "meta-spec"]
TOP_OPTIONAL = ["description", "generated_by", "tags", "no_index", "prereqs",
                "release_status", "resources"]
PHASES = ["configure", "build", "test", "runtime", "develop"]
RELATIONSHIPS = ["requires", "recommends", "suggests", "conflicts"]
URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Checker:
    def __init__(self):
        self.errors = []

    def err(self, where, msg):
        self.errors.append("%s: %s" % (where, msg))

    # -- shapes --------------------------------------------------------
    def string(self, where, v, min_len=1):
        if not isinstance(v, str):
            self.err(where, "must be a string")
            return False
        if len(v) < min_len:
            self.err(where, "must have at least %d characters" % min_len)
            return False
        return True

    def obj(self, where, v, known, required_any=None, required_all=()):
        """An object whose keys are KNOWN or x_ extensions."""
        if not isinstance(v, dict):
            self.err(where, "must be an object")
            return False
        for k in v:
            if k not in known and not re.match(r"^[xX]_.", k):
                self.err(where, "unknown key %r" % k)
        for k in required_all:
            if k not in v:
                self.err(where, "missing required key %r" % k)
        if required_any and not any(k in v for k in required_any):
            self.err(where, "needs one of %s" % ", ".join(required_any))
        return True

    def term(self, where, v):
        if not self.string(where, v, 2):
            return
        for ch in v:
            if ch in "/\\" or ch.isspace() or unicodedata.category(ch) == "Cc":
                self.err(where, "%r is not a term (no slash, backslash, space "
                         "or control character)" % v)
                return

    def version(self, where, v):
        if self.string(where, v) and not VERSION_RE.match(v):
            self.err(where, "%r is not a semantic version" % v)

    def path(self, where, v):
        if self.string(where, v, 2) and (v.startswith("/") or "\\" in v):
            self.err(where, "%r is not a relative Unix path" % v)

    def uri(self, where, v):
        if self.string(where, v) and not URI_RE.match(v):
            self.err(where, "%r is not a URI" % v)

    def string_list(self, where, v, item, min_items=1):
        if not isinstance(v, list) or len(v) < min_items:
            self.err(where, "must be an array of at least %d item(s)" % min_items)
            return
        if len(set(map(json.dumps, v))) != len(v):
            self.err(where, "items must be unique")
        for i, x in enumerate(v):
            item("%s[%d]" % (where, i), x)

    # -- the keys of the spec ------------------------------------------
    def license(self, where, v):
        if isinstance(v, str):
            if v not in LICENSES:
                self.err(where, "%r is not a licence name of the spec" % v)
        elif isinstance(v, list):
            self.string_list(where, v, lambda w, x: self.license(w, x)
                             if isinstance(x, str) else self.err(w, "must be a string"))
        elif isinstance(v, dict):
            if not v:
                self.err(where, "must not be empty")
            for k, u in v.items():
                self.uri("%s.%s" % (where, k), u)
        else:
            self.err(where, "must be a string, an array or an object")

    def maintainer(self, where, v):
        if isinstance(v, list):
            self.string_list(where, v, self.string)
        else:
            self.string(where, v)

    def provides(self, where, v):
        if not isinstance(v, dict) or not v:
            self.err(where, "must be an object with at least one extension")
            return
        for name, ext in v.items():
            w = "%s.%s" % (where, name)
            self.term(w, name)
            if not self.obj(w, ext, ["file", "version", "abstract", "docfile", "docpath"],
                            required_all=["file", "version"]):
                continue
            if "file" in ext:
                self.path(w + ".file", ext["file"])
            if "version" in ext:
                self.version(w + ".version", ext["version"])
            if "abstract" in ext:
                self.string(w + ".abstract", ext["abstract"])
            if "docfile" in ext:
                self.path(w + ".docfile", ext["docfile"])
            if "docpath" in ext:
                self.string(w + ".docpath", ext["docpath"])

    def meta_spec(self, where, v):
        if not self.obj(where, v, ["version", "url"], required_all=["version"]):
            return
        if "version" in v and not (isinstance(v["version"], str)
                                   and re.match(r"^1\.0\.\d+$", v["version"])):
            self.err(where + ".version", "must be 1.0.x")
        if "url" in v and v["url"] not in ("https://pgxn.org/meta/spec.txt",
                                           "http://pgxn.org/meta/spec.txt"):
            self.err(where + ".url", "must be the spec's URL")

    def prereqs(self, where, v):
        if not self.obj(where, v, PHASES, required_any=PHASES):
            return
        for w, p in present(where, v, PHASES):
            if not self.obj(w, p, RELATIONSHIPS, required_any=RELATIONSHIPS):
                continue
            for wr, r in present(w, p, RELATIONSHIPS):
                if not isinstance(r, dict) or not r:
                    self.err(wr, "must be an object with at least one prerequisite")
                    continue
                for name, rng in r.items():
                    self.term("%s.%s" % (wr, name), name)
                    if not (rng == 0 and not isinstance(rng, bool)) and \
                            not (isinstance(rng, str) and RANGE_RE.match(rng)):
                        self.err("%s.%s" % (wr, name), "%r is not a version range" % (rng,))

    def no_index(self, where, v):
        if not self.obj(where, v, ["file", "directory"], required_any=["file", "directory"]):
            return
        for k in ("file", "directory"):
            if k in v:
                if isinstance(v[k], list):
                    self.string_list("%s.%s" % (where, k), v[k], self.path)
                else:
                    self.path("%s.%s" % (where, k), v[k])

    def resources(self, where, v):
        if not self.obj(where, v, ["homepage", "bugtracker", "repository"],
                        required_any=["homepage", "bugtracker", "repository"]):
            return
        if "homepage" in v:
            self.uri(where + ".homepage", v["homepage"])
        bt = v.get("bugtracker")
        if bt is not None and self.obj(where + ".bugtracker", bt, ["web", "mailto"],
                                       required_any=["web", "mailto"]):
            if "web" in bt:
                self.uri(where + ".bugtracker.web", bt["web"])
            if "mailto" in bt and not (isinstance(bt["mailto"], str)
                                       and EMAIL_RE.match(bt["mailto"])):
                self.err(where + ".bugtracker.mailto", "must be an e-mail address")
        repo = v.get("repository")
        if repo is not None and self.obj(where + ".repository", repo, ["url", "web", "type"]):
            if not (("url" in repo and "type" in repo) or "web" in repo):
                self.err(where + ".repository", "needs url and type, or web")
            for k in ("url", "web"):
                if k in repo:
                    self.uri("%s.repository.%s" % (where, k), repo[k])
            if "type" in repo and not (isinstance(repo["type"], str)
                                       and re.match(r"^[a-z]+$", repo["type"])):
                self.err(where + ".repository.type", "must be lower-case letters")

    def spec(self, m):
        """The PGXN Meta Spec 1.0.0 on a decoded META.json."""
        if not self.obj("META.json", m, TOP_REQUIRED + TOP_OPTIONAL,
                        required_all=TOP_REQUIRED):
            return
        checks = {
            "name": self.term, "version": self.version, "abstract": self.string,
            "description": self.string, "generated_by": self.string,
            "maintainer": self.maintainer, "license": self.license,
            "provides": self.provides, "meta-spec": self.meta_spec,
            "prereqs": self.prereqs, "no_index": self.no_index,
            "resources": self.resources,
            "tags": lambda w, v: self.string_list(w, v, self.tag),
        }
        for key, check in checks.items():
            if key in m:
                check(key, m[key])
        if "release_status" in m and m["release_status"] not in ("stable", "testing", "unstable"):
            self.err("release_status", "must be stable, testing or unstable")

    def tag(self, where, v):
        if self.string(where, v, 2):
            if len(v) > 255 or "/" in v or "\\" in v or \
                    any(unicodedata.category(c) == "Cc" for c in v):
                self.err(where, "%r is not a tag" % v)

    # -- the tree ------------------------------------------------------
    def tree(self, m, root):
        """What META.json says agrees with the files it describes."""
        control = read(os.path.join(root, "schemashift.control"))
        dv = re.search(r"^default_version\s*=\s*'([^']*)'", control, re.M)
        if not dv:
            self.err("schemashift.control", "no default_version")
            return
        if m.get("version") != dv.group(1):
            self.err("version", "%r is not the control file's default_version %r"
                     % (m.get("version"), dv.group(1)))
        ext = m.get("provides", {}).get("schemashift")
        if not isinstance(ext, dict):
            self.err("provides", "does not provide the schemashift extension")
            return
        if ext.get("version") != dv.group(1):
            self.err("provides.schemashift.version", "is not %r" % dv.group(1))
        for k in ("file", "docfile"):
            if isinstance(ext.get(k), str) and not os.path.isfile(os.path.join(root, ext[k])):
                self.err("provides.schemashift." + k, "%s does not exist" % ext[k])
        if m.get("license") != "postgresql" or \
                "PostgreSQL License" not in read(os.path.join(root, "LICENSE")):
            self.err("license", "META.json and LICENSE must both say the PostgreSQL Licence")
        changelog = read(os.path.join(root, "debian", "changelog"))
        deb = re.match(r"^\S+ \(([^)-]+)(?:-[^)]*)?\)", changelog)
        if not deb or deb.group(1) != dv.group(1):
            self.err("debian/changelog", "its top entry does not release %r" % dv.group(1))


def present(where, obj, keys):
    """(where.key, value) of each of KEYS that OBJ has."""
    return [("%s.%s" % (where, k), obj[k]) for k in keys if k in obj]


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def errors_of(meta, root):
    c = Checker()
    c.spec(meta)
    if not c.errors and root is not None:
        c.tree(meta, root)
    return c.errors


def self_test(meta):
    """Broken copies of META.json, each of which must be refused."""
    def mutate(f):
        m = copy.deepcopy(meta)
        f(m)
        return m

    cases = {
        "no abstract": mutate(lambda m: m.pop("abstract")),
        "no meta-spec": mutate(lambda m: m.pop("meta-spec")),
        "meta-spec 2.0.0": mutate(lambda m: m["meta-spec"].update(version="2.0.0")),
        "licence not in the spec": mutate(lambda m: m.update(license="PostgreSQL License")),
        "version not SemVer": mutate(lambda m: m.update(version="0.1")),
        "name with a space": mutate(lambda m: m.update(name="schema shift")),
        "maintainer a number": mutate(lambda m: m.update(maintainer=1)),
        "provides empty": mutate(lambda m: m.update(provides={})),
        "extension without file": mutate(lambda m: m["provides"]["schemashift"].pop("file")),
        "extension key unknown": mutate(lambda m: m["provides"]["schemashift"].update(files="x")),
        "unknown top-level key": mutate(lambda m: m.update(homepage="https://example.org")),
        "bad prereq range": mutate(lambda m: m["prereqs"]["runtime"]["requires"].update(PostgreSQL="15")),
        "bad phase": mutate(lambda m: m["prereqs"].update(install={"requires": {"x": 0}})),
        "tags not unique": mutate(lambda m: m.update(tags=["ddl", "ddl"])),
        "release_status unknown": mutate(lambda m: m.update(release_status="beta")),
        "absolute file": mutate(lambda m: m["provides"]["schemashift"].update(file="/etc/passwd")),
    }
    failed = 0
    for name, m in cases.items():
        if errors_of(m, None):
            print("ok: refused: %s" % name)
        else:
            print("FAILED: accepted: %s" % name)
            failed += 1
    extended = mutate(lambda m: m.update(x_comment="extensions are allowed"))
    if errors_of(extended, None):
        print("FAILED: refused an x_ key")
        failed += 1
    else:
        print("ok: accepted: an x_ key")
    return failed


def main(argv):
    selftest = "--self-test" in argv
    args = [a for a in argv if a != "--self-test"]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: check-meta.py [--self-test] TREE", file=sys.stderr)
        return 2
    root = args[0]
    try:
        with open(os.path.join(root, "META.json"), encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        print("FAILED: META.json: %s" % e)
        return 1
    errors = errors_of(meta, root)
    for e in errors:
        print("FAILED: META.json %s" % e)
    if not errors:
        print("ok: META.json follows the PGXN Meta Spec 1.0.0 and matches the tree (version %s)"
              % meta["version"])
    failed = len(errors) + (self_test(meta) if selftest else 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
