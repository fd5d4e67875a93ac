"""A strict reader for the subset of Maya ASCII that Maya writes and we write (test code).

It tokenises MEL statements, checks the structure as it reads (every ``-s N`` against its
``[a:b]`` range and value count, chunked arrays contiguous and complete, every ``connectAttr``
end a created or default node, every face edge an existing edge and every face a closed loop)
and raises MaError on the first violation. Helpers then evaluate meshes and animation curves
with Maya's own rules so the tests compare them with the IR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np


class MaError(Exception):
    pass


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{},]|[^\s{},;"]+|;')

# Values per array element, by attribute leaf (no -type given, or a typed float2/3 array).
ARITY = {"vt": 3, "ed": 3, "uvsp": 2, "clsp": 4, "ktv": 2, "kit": 1, "kot": 1, "w": 1, "pt": 3}
TYPED_ARITY = {"float2": 2, "double2": 2, "float3": 3, "double3": 3}
KNOWN_COMMANDS = {
    "requires",
    "currentUnit",
    "fileInfo",
    "createNode",
    "setAttr",
    "addAttr",
    "connectAttr",
    "relationship",
    "select",
    "rename",
    "lockNode",
}


def _unquote(tok: str) -> str:
    if not (tok.startswith('"') and tok.endswith('"')):
        raise MaError(f"expected a string, got {tok!r}")
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), tok[1:-1])


def statements(text: str):
    """Yield token lists, one per ';'-terminated MEL statement (comments dropped)."""
    current: list[str] = []
    for line in text.splitlines():
        if line.lstrip().startswith("//") and not current:
            continue
        for tok in _TOKEN.findall(line):
            if tok == ";":
                if current:
                    yield current
                current = []
            else:
                current.append(tok)
    if current:
        raise MaError(f"unterminated statement at the end of the file: {' '.join(current[:6])}")


@dataclass
class SetAttr:
    attr: str  # as written, e.g. ".vt[0:7]"
    size: int | None
    kind: str | None
    values: list  # raw tokens (polyFaces parsed into a list of dicts)
    flags: dict = field(default_factory=dict)


@dataclass
class Node:
    kind: str
    name: str
    parent: str | None = None
    shared: bool = False
    sets: list = field(default_factory=list)
    added: list = field(default_factory=list)

    def get(self, attr: str) -> SetAttr:
        hits = [s for s in self.sets if s.attr == attr]
        if len(hits) != 1:
            raise MaError(f"{self.name}: {len(hits)} setAttr for {attr!r}")
        return hits[0]

    def has(self, attr: str) -> bool:
        return any(s.attr == attr for s in self.sets)

    def array(self, leaf: str) -> np.ndarray:
        """The whole numeric array ``leaf`` (e.g. ".vt"), chunks joined, shape (N, arity)."""
        chunks = []
        for s in self.sets:
            m = re.fullmatch(re.escape(leaf) + r"\[(\d+)(?::(\d+))?\]", s.attr)
            if m:
                a = int(m.group(1))
                chunks.append((a, s))
        if not chunks:
            return np.zeros((0, ARITY.get(leaf.split(".")[-1], 1)))
        chunks.sort(key=lambda c: c[0])
        vals = [float(v) for _, s in chunks for v in s.values]
        arity = _arity(leaf, chunks[0][1].kind)
        return np.asarray(vals).reshape(-1, arity)

    def faces(self) -> list:
        out = []
        for s in sorted(
            (s for s in self.sets if s.attr.startswith(".fc[")),
            key=lambda s: int(re.match(r"\.fc\[(\d+)", s.attr).group(1)),
        ):
            out.extend(s.values)
        return out


@dataclass
class MaFile:
    requires: list = field(default_factory=list)
    units: dict = field(default_factory=dict)
    file_info: dict = field(default_factory=dict)
    nodes: dict = field(default_factory=dict)  # name -> Node
    defaults: dict = field(default_factory=dict)  # ":name" -> Node (select -ne)
    connections: list = field(default_factory=list)  # (src, dst, na)
    relationships: list = field(default_factory=list)

    def node(self, name: str) -> Node:
        if name.startswith(":"):
            return self.defaults[name]
        return self.nodes[name]

    def of_kind(self, kind: str) -> list:
        return [n for n in self.nodes.values() if n.kind == kind]

    def children(self, name: str) -> list:
        return [n for n in self.nodes.values() if n.parent == name]

    def _index(self):
        if getattr(self, "_n_indexed", -1) != len(self.connections):
            self._by_dst, self._by_src = {}, {}
            for s, d, _ in self.connections:
                self._by_dst.setdefault(d, []).append(s)
                self._by_src.setdefault(s, []).append(d)
            self._n_indexed = len(self.connections)

    def sources(self, dst: str) -> list:
        self._index()
        return list(self._by_dst.get(dst, []))

    def destinations(self, src: str) -> list:
        self._index()
        return list(self._by_src.get(src, []))


def _arity(leaf_attr: str, kind: str | None) -> int:
    if kind in TYPED_ARITY:
        return TYPED_ARITY[kind]
    leaf = re.sub(r"\[.*", "", leaf_attr.split(".")[-1])
    if leaf not in ARITY:
        raise MaError(f"no known element size for array attribute {leaf_attr!r}")
    return ARITY[leaf]


def _parse_polyfaces(tokens: list[str], where: str) -> list:
    faces, i = [], 0
    while i < len(tokens):
        tag = tokens[i]
        if tag == "f":
            n = int(tokens[i + 1])
            faces.append({"edges": [int(t) for t in tokens[i + 2 : i + 2 + n]]})
            i += 2 + n
        elif tag in ("mu", "mc"):
            if not faces:
                raise MaError(f"{where}: {tag} before any face")
            n = int(tokens[i + 2])
            faces[-1][tag] = [int(t) for t in tokens[i + 3 : i + 3 + n]]
            if n != len(faces[-1]["edges"]):
                raise MaError(f"{where}: {tag} has {n} entries for a {len(faces[-1]['edges'])}-gon")
            i += 3 + n
        elif tag == "h":
            n = int(tokens[i + 1])
            i += 2 + n
        else:
            raise MaError(f"{where}: unexpected polyFaces token {tag!r}")
    return faces


def _setattr(tokens: list[str], node: Node, arrays: dict, where: str):
    i, size, kind, flags = 1, None, None, {}
    attr = None
    while i < len(tokens):
        t = tokens[i]
        if t == "-s":
            size = int(tokens[i + 1])
            i += 2
        elif t in ("-k", "-l", "-cb", "-ch", "-av", "-ca"):
            flags[t] = tokens[i + 1]
            i += 2
        elif t == "-type":
            kind = _unquote(tokens[i + 1])
            i += 2
        elif attr is None and t.startswith('"'):
            attr = _unquote(t)
            i += 1
        else:
            break
    if attr is None or not attr.startswith("."):
        raise MaError(f"{where}: setAttr without a '.attribute'")
    values = tokens[i:]
    where = f"{where} {node.name}{attr}"
    m = re.fullmatch(r"(.*)\[(\d+):(\d+)\]", attr)
    leaf = m.group(1) if m else re.sub(r"\[\d+\]$", "", attr)
    if leaf == ".fc":
        if kind not in (None, "polyFaces"):
            raise MaError(f"{where}: faces typed {kind!r}")
        if kind is None and (not m or int(m.group(2)) == 0):
            raise MaError(f'{where}: the first face statement must say -type "polyFaces"')
        values = _parse_polyfaces(values, where)
        if "-ch" in flags and int(flags["-ch"]) < sum(len(f["edges"]) for f in values):
            raise MaError(f"{where}: -ch {flags['-ch']} below the face-vertex count")
        if m:
            a, b = int(m.group(2)), int(m.group(3))
            if len(values) != b - a + 1:
                raise MaError(f"{where}: {len(values)} faces for range [{a}:{b}]")
            _chunk(arrays, node.name, ".fc", a, b, size, where)
        elif len(values) != 1:
            raise MaError(f"{where}: one face expected for {attr}")
        node.sets.append(SetAttr(attr, size, "polyFaces", values, flags))
        return
    if m:
        a, b = int(m.group(2)), int(m.group(3))
        if b < a:
            raise MaError(f"{where}: empty range")
        if kind in (None, "float2", "float3", "double3", "double2"):
            arity = _arity(leaf, kind)
            if len(values) != (b - a + 1) * arity:
                raise MaError(f"{where}: {len(values)} values for {b - a + 1} elements of {arity}")
            for v in values:
                float(v)
        _chunk(arrays, node.name, leaf, a, b, size, where)
    elif size is not None and not values:
        # Header of a chunked array (Maya: `setAttr -s 302 ".vt";`) or a multi size hint.
        arrays[(node.name, attr)] = {"size": size, "next": 0, "header": True}
    elif kind == "pointArray":
        n = int(values[0])
        if len(values) != 1 + 4 * n:
            raise MaError(f"{where}: pointArray of {n} has {len(values) - 1} numbers")
    elif kind == "componentList":
        n = int(values[0])
        if len(values) != 1 + n:
            raise MaError(f"{where}: componentList of {n} has {len(values) - 1} items")
    elif kind in TYPED_ARITY:
        if len(values) != TYPED_ARITY[kind]:
            raise MaError(f"{where}: {kind} with {len(values)} values")
    elif kind == "string":
        if len(values) != 1:
            raise MaError(f"{where}: string with {len(values)} tokens")
        values = [_unquote(values[0])]
    node.sets.append(SetAttr(attr, size, kind, values, flags))


def _chunk(arrays: dict, node: str, leaf: str, a: int, b: int, size: int | None, where: str):
    key = (node, leaf)
    st = arrays.get(key)
    if st is None:
        if size is None:
            raise MaError(f"{where}: array chunk [{a}:{b}] without a -s count")
        if a != 0:
            raise MaError(f"{where}: array starts at {a}, not 0")
        st = arrays[key] = {"size": size, "next": 0, "header": False}
    elif size is not None and not st["header"]:
        raise MaError(f"{where}: a second -s for the same array")
    if a != st["next"]:
        raise MaError(f"{where}: chunk starts at {a}, expected {st['next']}")
    st["next"] = b + 1
    if st["next"] > st["size"]:
        raise MaError(f"{where}: chunk ends at {b}, past -s {st['size']}")


def parse(text: str) -> MaFile:
    ma = MaFile()
    if not text.startswith("//Maya ASCII "):
        raise MaError("missing the '//Maya ASCII <version> scene' header")
    current: Node | None = None
    arrays: dict = {}
    for n, tokens in enumerate(statements(text), start=1):
        cmd = tokens[0]
        where = f"statement {n} ({cmd})"
        if cmd not in KNOWN_COMMANDS:
            raise MaError(f"{where}: unknown command {cmd!r}")
        if cmd == "requires":
            ma.requires.append([t for t in tokens[1:]])
        elif cmd == "currentUnit":
            for flag, value in zip(tokens[1::2], tokens[2::2], strict=True):
                ma.units[flag] = value
        elif cmd == "fileInfo":
            if len(tokens) != 3:
                raise MaError(f"{where}: fileInfo takes a key and a value")
            ma.file_info[_unquote(tokens[1])] = _unquote(tokens[2])
        elif cmd == "createNode":
            kind, name, parent, shared = tokens[1], None, None, False
            i = 2
            while i < len(tokens):
                if tokens[i] == "-n":
                    name = _unquote(tokens[i + 1])
                    i += 2
                elif tokens[i] == "-p":
                    parent = _unquote(tokens[i + 1])
                    i += 2
                elif tokens[i] == "-s":
                    shared = True
                    i += 1
                else:
                    raise MaError(f"{where}: unknown createNode flag {tokens[i]!r}")
            if not name:
                raise MaError(f"{where}: createNode without -n")
            if name in ma.nodes:
                raise MaError(f"{where}: node {name!r} created twice")
            if parent is not None and parent not in ma.nodes:
                raise MaError(f"{where}: parent {parent!r} of {name!r} does not exist yet")
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise MaError(f"{where}: {name!r} is not a valid Maya node name")
            current = ma.nodes[name] = Node(kind, name, parent, shared)
        elif cmd == "select":
            if tokens[1:2] != ["-ne"] or len(tokens) != 3 or not tokens[2].startswith(":"):
                raise MaError(f"{where}: only 'select -ne :defaultNode' is expected")
            current = ma.defaults.setdefault(tokens[2], Node("default", tokens[2]))
        elif cmd == "setAttr":
            if current is None:
                raise MaError(f"{where}: setAttr before any node")
            _setattr(tokens, current, arrays, where)
        elif cmd == "addAttr":
            if current is None:
                raise MaError(f"{where}: addAttr before any node")
            ln = tokens[tokens.index("-ln") + 1]
            sn = tokens[tokens.index("-sn") + 1]
            current.added.append((_unquote(sn), _unquote(ln)))
        elif cmd == "connectAttr":
            na = "-na" in tokens
            plugs = [t for t in tokens[1:] if t != "-na"]
            if len(plugs) != 2:
                raise MaError(f"{where}: connectAttr needs two plugs")
            src, dst = (_unquote(p) for p in plugs)
            for plug in (src, dst):
                owner = plug.split(".", 1)[0]
                if "." not in plug:
                    raise MaError(f"{where}: {plug!r} names no attribute")
                if not owner.startswith(":") and owner not in ma.nodes:
                    raise MaError(f"{where}: {plug!r} names no created node")
            ma.connections.append((src, dst, na))
        elif cmd == "relationship":
            ma.relationships.append([_unquote(t) for t in tokens[1:]])
    for (node, leaf), st in arrays.items():
        if st["next"] != st["size"] and st["next"] != 0:
            raise MaError(f"{node}{leaf}: -s {st['size']} but {st['next']} elements written")
    for node in ma.nodes.values():
        if node.kind == "mesh" and any(s.attr.startswith(".fc") for s in node.sets):
            check_mesh(node)
    return ma


def check_mesh(node: Node) -> None:
    """Face edges exist, walk closed loops, and mu/mc indices exist."""
    verts = node.array(".vt")
    edges = node.array(".ed").astype(np.int64)
    uvs = node.array(".uvst[0].uvsp")
    cols = node.array(".clst[0].clsp")
    if edges.size and (edges[:, :2].min() < 0 or edges[:, :2].max() >= len(verts)):
        raise MaError(f"{node.name}: an edge names a vertex past {len(verts)}")
    for k, face in enumerate(node.faces()):
        loop = []
        for e in face["edges"]:
            idx = e if e >= 0 else -e - 1
            if idx >= len(edges):
                raise MaError(f"{node.name}: face {k} uses edge {e}, only {len(edges)} edges")
            a, b = edges[idx, :2]
            loop.append((a, b) if e >= 0 else (b, a))
        for (_a0, b0), (a1, _b1) in zip(loop, loop[1:] + loop[:1], strict=True):
            if b0 != a1:
                raise MaError(f"{node.name}: face {k} edges do not form a closed loop")
        for tag, count in (("mu", len(uvs)), ("mc", len(cols))):
            if tag in face and max(face[tag]) >= count:
                raise MaError(f"{node.name}: face {k} {tag} index past {count}")


def face_vertices(node: Node) -> list[list[int]]:
    edges = node.array(".ed").astype(np.int64)
    out = []
    for face in node.faces():
        out.append([int(edges[e, 0]) if e >= 0 else int(edges[-e - 1, 1]) for e in face["edges"]])
    return out


# -- animation -------------------------------------------------------------------------------
@dataclass
class Curve:
    times: np.ndarray
    values: np.ndarray
    kit: np.ndarray
    kot: np.ndarray

    def at(self, t: float) -> float:
        """Maya's evaluation of a non-weighted curve for tangents linear 2, flat 3, step 5."""
        ts, vs = self.times, self.values
        if t <= ts[0]:
            return float(vs[0])
        if t >= ts[-1]:
            return float(vs[-1])
        i = int(np.searchsorted(ts, t, side="right")) - 1
        t0, t1, v0, v1 = ts[i], ts[i + 1], vs[i], vs[i + 1]
        if self.kot[i] == 5:
            return float(v0)
        slope = (v1 - v0) / (t1 - t0)

        def tangent(kind):
            if kind == 2:
                return slope
            if kind == 3:
                return 0.0
            raise MaError(f"tangent type {kind} is not one we write")

        m0, m1 = tangent(self.kot[i]), tangent(self.kit[i + 1])
        dt = t1 - t0
        s = (t - t0) / dt
        h00, h10 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s
        h01, h11 = -2 * s**3 + 3 * s**2, s**3 - s**2
        return float(h00 * v0 + h10 * dt * m0 + h01 * v1 + h11 * dt * m1)


def curve(ma: MaFile, name: str) -> Curve:
    cache = ma.__dict__.setdefault("_curves", {})
    if name not in cache:
        cache[name] = _curve(ma, name)
    return cache[name]


def _curve(ma: MaFile, name: str) -> Curve:
    node = ma.nodes[name]
    if not node.kind.startswith("animCurveT"):
        raise MaError(f"{name} is a {node.kind}, not an animCurve")
    ktv = node.array(".ktv")
    k = len(ktv)
    kit = (
        node.array(".kit").reshape(-1)
        if any(s.attr.startswith(".kit") for s in node.sets)
        else np.full(k, 2)
    )
    kot = (
        node.array(".kot").reshape(-1)
        if any(s.attr.startswith(".kot") for s in node.sets)
        else np.full(k, 2)
    )
    if len(kit) != k or len(kot) != k:
        raise MaError(f"{name}: {k} keys but {len(kit)} in / {len(kot)} out tangents")
    if np.any(np.diff(ktv[:, 0]) <= 0):
        raise MaError(f"{name}: key times not increasing")
    return Curve(ktv[:, 0], ktv[:, 1], kit.astype(int), kot.astype(int))


def plug_value(ma: MaFile, node: str, attr: str, frame: float, default: float = 0.0) -> float:
    """The value of ``node.attr`` at ``frame``: its driving curve, else its setAttr, else default."""
    src = ma.sources(f"{node}.{attr}")
    if src:
        owner = src[0].split(".")[0]
        return curve(ma, owner).at(frame)
    n = ma.nodes[node]
    if n.has(f".{attr}"):
        return float(n.get(f".{attr}").values[0])
    return default


def vector_value(
    ma: MaFile, node: str, attr: str, frame: float, default=(0.0, 0.0, 0.0), axes="xyz"
):
    """A double3/float3 channel: per-axis curves or one compound setAttr."""
    n = ma.nodes[node]
    base = (
        np.asarray(n.get(f".{attr}").values, dtype=float)
        if n.has(f".{attr}")
        else np.asarray(default, float)
    )
    return np.array(
        [
            curve(ma, ma.sources(f"{node}.{attr}{ax}")[0].split(".")[0]).at(frame)
            if ma.sources(f"{node}.{attr}{ax}")
            else base[i]
            for i, ax in enumerate(axes)
        ]
    )
