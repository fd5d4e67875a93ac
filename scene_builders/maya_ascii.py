"""Write the Scene IR as a Maya ASCII 2024 file, with no Maya needed.

Maya cannot run here, so this writes only constructs copied from files Maya itself writes
(``createNode`` + short attribute names, arrays in Maya's chunk sizes, ``polyFaces`` with
signed edge indices, shading groups wired ``.iog -> .dsm`` and ``.pa -> :renderPartition.st``,
deformers fed from an intermediate ``...ShapeOrig``), and the tests parse the file back with a
strict reader and compare every vertex and key with the IR.

How the IR maps (units and axes: :mod:`maya_convert`):

* Shots: one group transform per shot whose ``visibility`` is keyed with step tangents, on for
  the shot's frames only; the shot's camera, meshes, points, labels and lights live under it.
  Each shot has its own render camera; ``fileInfo "galaxyreelShots"`` lists
  ``name first last camera`` so ``maya_scripts/batch_render.py`` (or an artist) renders each
  shot with ``Render -cam``. One camera per shot, not the camera sequencer: batch ``Render``
  and farm chunks address a camera and a frame range, which is exactly a shot.
* Keyed channels: ``animCurveTL/TA/TU`` with tangents linear (2), flat (3, the IR's "bezier")
  or step (5, "constant"); Maya evaluates all three exactly as :meth:`ir.Keys.at`.
* Deforming meshes: a ``blendShape`` with one sparse target per step between consecutive
  states (only vertices that move), its weight keyed 0 -> 1 over that step. The weights sum to
  the IR's interpolation, so the surface grows exactly as keyed and the file stays small.
* Point sets: one small mesh per point (sphere or square) whose UVs are baked into its atlas
  tile (its per-sphere UV offset), keyed translations, and one material per distinct colour
  track: ``file`` (+ ``place2dTexture``) times a keyed colour in a ``multiplyDivide``.
* Labels: a locator carrying the text in ``galaxyreelText`` (Maya's type tool cannot be
  written as plain data); ``maya_scripts/import_scene.py`` turns them into text geometry.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .ir import (
    Camera,
    Keys,
    Label,
    Light,
    Material,
    Mesh,
    PointSet,
    Scene,
    SceneError,
    check_scene,
    srgb_to_linear,
    visit,
)
from .maya_convert import (
    CAMERA_ROTATE_AXIS,
    CM_PER_M,
    ROTATE_ORDER_XZY,
    TANGENTS,
    Names,
    points_to_maya,
    rotation_to_maya,
    scale_to_maya,
    time_unit,
    unit_square,
    uv_sphere,
)
from .textures import write_images

MAYA_VERSION = "2024"
MTOA_VERSION = "5.3.4.1"  # the MtoA that ships with Maya 2024.2

# Elements per setAttr statement, as Maya writes them (about 500 numbers a statement).
CHUNK = {"vt": 166, "ed": 166, "uvsp": 250, "clsp": 125, "fc": 500, "ktv": 500}

# Default nodes every Maya scene has; connections to them use the ":name" form.
DEFAULT_NODES = (
    "time1",
    "renderPartition",
    "defaultShaderList1",
    "defaultTextureList1",
    "defaultRenderUtilityList1",
    "lightList1",
    "defaultLightSet",
    "defaultRenderGlobals",
    "defaultResolution",
    "defaultRenderingList1",
    "initialShadingGroup",
    "hardwareRenderingGlobals",
)
STARTUP_NODES = (
    "persp",
    "perspShape",
    "top",
    "topShape",
    "front",
    "frontShape",
    "side",
    "sideShape",
    "lightLinker1",
    "layerManager",
    "defaultLayer",
    "renderLayerManager",
    "defaultRenderLayer",
    "sceneConfigurationScriptNode",
    "defaultArnoldRenderOptions",
    "defaultArnoldFilter",
    "defaultArnoldDriver",
    "defaultArnoldDisplayDriver",
)

# Light power: the IR gives watts (point/area) and W/m^2 (sun). With quadratic decay in
# centimetres, intensity I at d cm lights like I / d^2, so a W/(4 pi sr) source is scaled by
# 100^2 to light the same at the same distance in metres. Approximate (Blender's watts and
# Arnold's intensity differ by renderer conventions); docs/maya.md says so.
LIGHT_NODE = {"sun": "directionalLight", "point": "pointLight", "area": "areaLight"}


def _num(x: float) -> str:
    s = repr(float(x))
    if s.endswith(".0"):
        s = s[:-2]
    return "0" if s == "-0" else s


def _geo(x: float) -> str:
    """Geometry numbers: Maya stores them as float32, so 9 significant digits are exact."""
    s = f"{float(x):.9g}"
    return "0" if s == "-0" else s


def _join(values, fmt=_num, per_line=12) -> str:
    flat = [fmt(v) for v in np.asarray(values).ravel().tolist()]
    lines = [" ".join(flat[i : i + per_line]) for i in range(0, len(flat), per_line)]
    return "\n\t\t ".join(lines)


def _q(s: str) -> str:
    """A MEL string literal."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _ranges(idx: np.ndarray) -> list[tuple[int, int]]:
    """Sorted unique indices -> inclusive (start, end) runs."""
    if idx.size == 0:
        return []
    breaks = np.nonzero(np.diff(idx) != 1)[0]
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]])
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def mesh_topology(faces: np.ndarray):
    """Maya's edge list and per-face signed edge ids for (F, n) vertex-index faces.

    Edge ``e`` is stored (a, b) as first met; a face that walks it b -> a uses ``-(e+1)``
    (Maya's one's-complement sign), which is how ``polyFaces`` records winding.
    """
    faces = np.asarray(faces, dtype=np.int64)
    f, n = faces.shape
    a = faces.reshape(-1)
    b = np.roll(faces, -1, axis=1).reshape(-1)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * (int(faces.max()) + 1 if faces.size else 1) + hi
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    # Number edges in order of first appearance (as Maya does), stored as first walked.
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    edge_id = rank[inverse]
    edges = np.stack([a[first[order]], b[first[order]]], axis=1)
    forward = edges[edge_id, 0] == a
    signed = np.where(forward, edge_id, -edge_id - 1).reshape(f, n)
    return edges, signed


class _Ma:
    """Accumulates a .ma: node blocks, then default-node settings, then connections."""

    def __init__(self):
        self.nodes: list[str] = []
        self.tail: list[str] = []
        self.conns: list[str] = []
        self.rels: list[str] = []
        self.created: dict[str, str] = {}

    def create(self, kind: str, name: str, parent: str | None = None, shared=False) -> str:
        flags = " -s" if shared else ""
        par = f" -p {_q(parent)}" if parent else ""
        self.nodes.append(f"createNode {kind}{flags} -n {_q(name)}{par};")
        self.created[name] = kind
        return name

    def set(self, attr: str, value: str = "", *, kind: str | None = None, size: int | None = None):
        s = f" -s {size}" if size is not None else ""
        t = f" -type {_q(kind)}" if kind else ""
        v = f" {value}" if value != "" else ""
        self.nodes.append(f"\tsetAttr{s} {_q(attr)}{t}{v};")

    def array(self, attr: str, values: np.ndarray, chunk: int, fmt=_num, kind=None):
        """``setAttr -s N ".a[0:N-1]"`` or, past one chunk, Maya's header + chunked form."""
        values = np.asarray(values)
        n = values.shape[0]
        if n == 0:
            return
        if n <= chunk:
            self.set(f"{attr}[0:{n - 1}]", " " + _join(values, fmt), kind=kind, size=n)
            return
        self.set(attr, size=n)
        for a in range(0, n, chunk):
            b = min(n, a + chunk) - 1
            self.set(f"{attr}[{a}:{b}]", " " + _join(values[a : b + 1], fmt), kind=kind)

    def connect(self, src: str, dst: str, na: bool = False):
        self.conns.append(f"connectAttr {_q(src)} {_q(dst)}{' -na' if na else ''};")


class _Writer:
    def __init__(self, scene: Scene, filename: str, arnold: bool, image_files: dict):
        self.scene = scene
        self.filename = filename
        self.arnold = arnold
        self.image_files = image_files
        self.ma = _Ma()
        self.names = Names(reserved=DEFAULT_NODES + STARTUP_NODES)
        self.sgs: dict[str, str] = {}  # material key -> shading group
        self.place2d: dict[str, str] = {}  # image name -> place2dTexture
        self.shots_info: list[str] = []

    # -- animation --------------------------------------------------------------------------
    def curve(self, kind: str, name: str, frames, values, interp: str, dst: str):
        ma = self.ma
        node = ma.create(kind, self.names.take(name))
        kit, kot = TANGENTS[interp]
        k = len(frames)
        ma.set(".tan", str(kot))
        ma.set(".wgt", "no")
        pairs = np.stack([np.asarray(frames, float), np.asarray(values, float)], axis=1)
        ma.array(".ktv", pairs, CHUNK["ktv"])
        ma.array(".kit", np.full(k, kit), CHUNK["ktv"])
        ma.array(".kot", np.full(k, kot), CHUNK["ktv"])
        ma.connect(f"{node}.o", dst)
        return node

    def transform(self, name: str, tf, parent: str | None, *, aim=False) -> str:
        """A transform node carrying the IR Transform (converted); ``aim`` for cameras/lights."""
        ma = self.ma
        node = ma.create("transform", name, parent)
        loc = points_to_maya(tf.location.values.reshape(-1, 3))
        rot = rotation_to_maya(tf.rotation.values.reshape(-1, 3))
        ma.set(".ro", str(ROTATE_ORDER_XZY))
        if aim:
            ma.set(".ra", " ".join(_num(v) for v in CAMERA_ROTATE_AXIS) + " ", kind="double3")
        statics = []
        for attr, keys, vals, kind in (
            ("t", tf.location, loc, "animCurveTL"),
            ("r", tf.rotation, rot, "animCurveTA"),
            ("s", tf.scale, scale_to_maya(tf.scale.values.reshape(-1, 3)), "animCurveTU"),
        ):
            if aim and attr == "s":
                continue
            statics.append((attr, keys, vals, kind))
        # setAttr lines belong to the node block: write them before any curve node.
        animated = []
        for attr, keys, vals, kind in statics:
            if keys.animated and not np.all(vals == vals[0]):
                animated.append((attr, keys, vals, kind))
            elif np.any(vals[0] != (1.0 if attr == "s" else 0.0)):
                ma.set(f".{attr}", " ".join(_num(v) for v in vals[0]) + " ", kind="double3")
        self._pending.extend((node, a, k, v, kd) for a, k, v, kd in animated)
        return node

    def flush_curves(self):
        for node, attr, keys, vals, kind in self._pending:
            for i, ax in enumerate("xyz"):
                self.curve(
                    kind, f"{node}_{attr}{ax.upper()}", keys.frames, vals[:, i],
                    keys.interpolation, f"{node}.{attr}{ax}",
                )  # fmt: skip
        self._pending = []

    # -- shading ----------------------------------------------------------------------------
    def shading_group(self, key: str, mat: Material, colour_track=None, image=None) -> str:
        """A material + shadingEngine + materialInfo wired as Maya wires them.

        ``colour_track`` (frames, (K, 3) linear colours, interpolation) multiplies the colour
        through a multiplyDivide; ``image`` is an Image name for a file texture.
        """
        if key in self.sgs:
            return self.sgs[key]
        ma, names = self.ma, self.names
        base = names.take(key)
        sg = names.take(base + "SG")
        info = names.take(base + "MI")
        lin = srgb_to_linear(np.asarray(mat.color, dtype=np.float64))
        tex = image or mat.texture
        if self.arnold:
            shader = ma.create("aiStandardSurface", base)
            ma.set(".base", "1")
            if tex is None and colour_track is None:
                ma.set(".base_color", _join(lin[:3]) + " ", kind="float3")
            ma.set(".specular_roughness", _num(mat.roughness))
            ma.set(".metalness", _num(mat.metallic))
            if mat.emission > 0:
                ma.set(".emission", _num(mat.emission))
                ma.set(".emission_color", _join(lin[:3]) + " ", kind="float3")
            if lin[3] < 1:
                ma.set(".opacity", _join([lin[3]] * 3) + " ", kind="float3")
            out, colour_in = f"{shader}.out", f"{shader}.base_color"
        else:
            shader = ma.create("lambert", base)
            if tex is None and colour_track is None:
                ma.set(".c", _join(lin[:3]) + " ", kind="float3")
            if mat.emission > 0:
                ma.set(".ic", _join(lin[:3] * min(mat.emission, 1.0)) + " ", kind="float3")
            if lin[3] < 1:
                ma.set(".it", _join([1 - lin[3]] * 3) + " ", kind="float3")
            out, colour_in = f"{shader}.oc", f"{shader}.c"
        ma.create("shadingEngine", sg)
        ma.set(".ihi", "0")
        ma.set(".ro", "yes")
        ma.create("materialInfo", info)
        ma.connect(out, f"{sg}.ss")
        ma.connect(f"{sg}.msg", f"{info}.sg")
        ma.connect(f"{shader}.msg", f"{info}.m")
        ma.connect(f"{sg}.pa", ":renderPartition.st", na=True)
        ma.connect(f"{shader}.msg", ":defaultShaderList1.s", na=True)
        for kind in ("link", "shadowLink"):
            ma.rels.append(
                f'relationship "{kind}" ":lightLinker1" {_q(sg + ".message")} '
                '":defaultLightSet.message";'
            )
        colour_src = None
        if tex is not None:
            file_node = self.file_texture(base, tex)
            ma.connect(f"{file_node}.msg", f"{info}.t", na=True)
            colour_src = f"{file_node}.oc"
        if colour_track is not None:
            frames, cols, interp = colour_track
            md = ma.create("multiplyDivide", names.take(base + "_tint"))
            ma.set(".op", "1")
            if colour_src is None:
                ma.set(".i2", "1 1 1 ", kind="float3")
            if len(frames) == 1 or np.all(cols == cols[0]):
                ma.set(".i1", _join(cols[0]) + " ", kind="float3")
                curves = []
            else:
                curves = [(ax, cols[:, i]) for i, ax in enumerate("xyz")]
            if colour_src is not None:
                ma.connect(colour_src, f"{md}.i2")
            for ax, vals in curves:
                self.curve(
                    "animCurveTU", f"{md}_i1{ax.upper()}", frames, vals, interp, f"{md}.i1{ax}"
                )
            ma.connect(f"{md}.o", colour_in)
            ma.connect(f"{md}.msg", ":defaultRenderUtilityList1.u", na=True)
        elif colour_src is not None:
            ma.connect(colour_src, colour_in)
        if mat.use_vertex_color and self.arnold and tex is None and colour_track is None:
            ud = ma.create("aiUserDataColor", names.take(base + "_vertexColour"))
            ma.set(".attribute", _q("colorSet1"), kind="string")
            ma.connect(f"{ud}.out", colour_in)
        self.sgs[key] = sg
        return sg

    def file_texture(self, base: str, image: str) -> str:
        ma, names = self.ma, self.names
        if image not in self.place2d:
            p2d = ma.create("place2dTexture", names.take(f"{image}_place2d"))
            ma.connect(f"{p2d}.msg", ":defaultRenderUtilityList1.u", na=True)
            self.place2d[image] = p2d
        p2d = self.place2d[image]
        node = ma.create("file", names.take(f"{base}_file"))
        ma.set(".ftn", _q(self.image_files[image]), kind="string")
        ma.set(".cs", _q("sRGB"), kind="string")
        for src, dst in (
            ("c", "c"), ("tf", "tf"), ("rf", "rf"), ("mu", "mu"), ("mv", "mv"), ("s", "s"),
            ("wu", "wu"), ("wv", "wv"), ("re", "re"), ("of", "of"), ("r", "ro"), ("n", "n"),
            ("vt1", "vt1"), ("vt2", "vt2"), ("vt3", "vt3"), ("vc1", "vc1"), ("o", "uv"),
            ("ofs", "fs"),
        ):  # fmt: skip
            ma.connect(f"{p2d}.{src}", f"{node}.{dst}")
        ma.connect(f"{node}.msg", ":defaultTextureList1.tx", na=True)
        return node

    # -- geometry ---------------------------------------------------------------------------
    def mesh_shape(self, name, parent, verts, faces, uvs=None, colors=None, smooth=False,
                   intermediate=False) -> str:  # fmt: skip
        """A mesh node with its geometry; ``verts`` already in Maya space (cm, Y up)."""
        ma = self.ma
        node = ma.create("mesh", name, parent)
        ma.nodes.append('\tsetAttr -k off ".v";')
        if intermediate:
            ma.set(".io", "yes")
        ma.set(".vir", "yes")
        ma.set(".vif", "yes")
        ma.set(".uvst[0].uvsn", _q("map1"), kind="string")
        if uvs is not None:
            ma.array(".uvst[0].uvsp", uvs, CHUNK["uvsp"], _geo, kind="float2")
        ma.set(".cuvs", _q("map1"), kind="string")
        if colors is not None:
            ma.set(".dcol", "yes")
        ma.set(".dcc", _q("Ambient+Diffuse"), kind="string")
        if colors is not None:
            ma.set(".ccls", _q("colorSet1"), kind="string")
            ma.set(".clst[0].clsn", _q("colorSet1"), kind="string")
            ma.array(".clst[0].clsp", colors, CHUNK["clsp"], _geo)
            if self.arnold:
                ma.set(".aiExportColors", "yes")  # MtoA passes colorSet1 on as user data
        if faces is None:
            return node
        ma.array(".vt", verts, CHUNK["vt"], _geo)
        edges, signed = mesh_topology(faces)
        flag = 1 if smooth else 0
        ed = np.concatenate([edges, np.full((edges.shape[0], 1), flag)], axis=1)
        ma.array(".ed", ed, CHUNK["ed"])
        f, n = faces.shape
        blocks = []
        for i in range(f):
            lines = [f"f {n} " + " ".join(map(str, signed[i].tolist()))]
            if uvs is not None:
                lines.append(f"mu 0 {n} " + " ".join(map(str, faces[i].tolist())))
            if colors is not None:
                lines.append(f"mc 0 {n} " + " ".join(map(str, faces[i].tolist())))
            blocks.append("\n\t\t".join(lines))
        chunk = CHUNK["fc"]
        total = f * n
        for a in range(0, f, chunk):
            b = min(f, a + chunk) - 1
            body = "\n\t\t" + "\n\t\t".join(blocks[a : b + 1])
            if a == 0:
                ma.nodes.append(
                    f'\tsetAttr -s {f} -ch {total} ".fc[{a}:{b}]" -type "polyFaces" {body};'
                )
            else:
                ma.nodes.append(f'\tsetAttr ".fc[{a}:{b}]"{body};')
        for attr, what in ((".cd", "Edge"), (".cvd", "Vertex"), (".pd[0]", "UV"), (".hfd", "Face")):
            ma.set(attr, f"Index_Data {what} 0 ", kind="dataPolyComponent")
        return node

    def assign(self, shape: str, sg: str):
        self.ma.connect(f"{shape}.iog", f"{sg}.dsm", na=True)

    def mesh(self, item: Mesh, parent: str):
        names = self.names
        tname = names.take(item.name)
        node = self.transform(tname, item.transform, parent)
        uvs = item.uvs
        cols = None
        if item.colors is not None:
            cols = srgb_to_linear(item.colors)
        faces = np.asarray(item.faces, dtype=np.int64)
        shape = names.take(tname + "Shape")
        if item.states is None or not item.states.animated:
            verts = item.vertices if item.states is None else item.states.values[0]
            self.mesh_shape(shape, node, points_to_maya(verts), faces, uvs, cols, item.smooth)
        else:
            self.mesh_shape(shape, node, None, None, uvs, cols, item.smooth)
            orig = names.take(tname + "ShapeOrig")
            states = points_to_maya(item.states.values)
            self.mesh_shape(orig, node, states[0], faces, uvs, cols, item.smooth, intermediate=True)
            self.blend_states(tname, shape, orig, item.states, states)
        self.flush_curves()
        self.assign(shape, self.shading_group(item.material, self.scene.materials[item.material]))

    def blend_states(self, tname, shape, orig, keys: Keys, states: np.ndarray):
        """State k-1 -> k as one sparse blendShape target whose weight ramps 0 -> 1."""
        ma = self.ma
        bs = ma.create("blendShape", self.names.take(tname + "_states"))
        ma.nodes.append(
            '\taddAttr -ci true -h true -sn "aal" -ln "attributeAliasList" -dt "attributeAlias";'
        )
        deltas = np.diff(states, axis=0)
        targets = []
        for k in range(1, states.shape[0]):
            moved = np.nonzero(np.any(deltas[k - 1] != 0, axis=1))[0]
            if moved.size:
                targets.append((k, moved))
        t = len(targets)
        if t:
            ma.set(f".w[0:{t - 1}]", " " + " ".join("0" for _ in range(t)), size=t)
        for w, (k, moved) in enumerate(targets):
            d = deltas[k - 1][moved]
            pts = np.concatenate([d, np.ones((d.shape[0], 1))], axis=1)
            ma.set(
                f".it[0].itg[{w}].iti[6000].ipt",
                f"{moved.size} " + _join(pts, _geo),
                kind="pointArray",
            )
            comps = [f'"vtx[{a}:{b}]"' if b > a else f'"vtx[{a}]"' for a, b in _ranges(moved)]
            ma.set(
                f".it[0].itg[{w}].iti[6000].ict",
                f"{len(comps)} " + " ".join(comps),
                kind="componentList",
            )
        if t:
            alias = ",".join(f'"state{k}","weight[{w}]"' for w, (k, _) in enumerate(targets))
            ma.set(".aal", "{" + alias + "} ", kind="attributeAlias")
        for w, (k, _) in enumerate(targets):
            self.curve(
                "animCurveTU", f"{tname}_state{k}", keys.frames[k - 1 : k + 1], [0.0, 1.0],
                keys.interpolation, f"{bs}.w[{w}]",
            )  # fmt: skip
        ma.connect(f"{orig}.w", f"{bs}.ip[0].ig")
        ma.connect(f"{orig}.o", f"{bs}.orggeom[0]")
        ma.connect(f"{bs}.og[0]", f"{shape}.i")

    def points(self, item: PointSet, parent: str):
        ma, names, scene = self.ma, self.names, self.scene
        group = self.transform(names.take(item.name), item.transform, parent)
        self.flush_curves()
        if item.shape == "square":
            base_v, base_uv, faces = unit_square()
        else:
            base_v, base_uv, faces = uv_sphere()
        verts = points_to_maya(base_v * item.radius)
        pos = points_to_maya(item.positions.values)  # (K, N, 3)
        col = srgb_to_linear(item.colors.values)[..., :3]  # (K, N, 3)
        mat = scene.materials[item.material]
        col = col * srgb_to_linear(np.asarray(mat.color, float))[:3]
        tracks, group_of = np.unique(col.transpose(1, 0, 2).reshape(item.count, -1), axis=0,
                                     return_inverse=True)  # fmt: skip
        group_of = group_of.reshape(-1)
        rects = None
        image = item.atlas or mat.texture
        if item.atlas is not None and item.tiles is not None:
            rects = scene.images[item.atlas].tile_uv(item.tiles)
        width = len(str(max(item.count - 1, 1)))
        sgs = {}
        for i in range(item.count):
            pname = names.take(f"{group}_{i:0{width}d}")
            node = ma.create("transform", pname, group)
            p = pos[:, i, :]
            moving = item.positions.animated and not np.all(p == p[0])
            if not moving:
                ma.set(".t", " ".join(_num(v) for v in p[0]) + " ", kind="double3")
            uv = base_uv
            if rects is not None:
                u0, v0, u1, v1 = rects[i]
                uv = np.stack([u0 + base_uv[:, 0] * (u1 - u0), v0 + base_uv[:, 1] * (v1 - v0)], 1)
            shape = self.mesh_shape(names.take(pname + "Shape"), node, verts, faces, uv,
                                    None, smooth=item.shape == "sphere")  # fmt: skip
            if moving:
                for a, ax in enumerate("xyz"):
                    self.curve(
                        "animCurveTL", f"{pname}_t{ax.upper()}", item.positions.frames, p[:, a],
                        item.positions.interpolation, f"{node}.t{ax}",
                    )  # fmt: skip
            g = int(group_of[i])
            if g not in sgs:
                track = tracks[g].reshape(-1, 3)
                sgs[g] = self.shading_group(
                    f"{group}_look{g}", mat,
                    (item.colors.frames, track, item.colors.interpolation), image,
                )  # fmt: skip
            self.assign(shape, sgs[g])

    def label(self, item: Label, parent: str):
        ma, names = self.ma, self.names
        tname = names.take(item.name)
        node = self.transform(tname, item.transform, parent)
        ma.nodes.append('\taddAttr -ci true -sn "grText" -ln "galaxyreelText" -dt "string";')
        ma.nodes.append('\taddAttr -ci true -sn "grSize" -ln "galaxyreelSize" -at "double";')
        ma.nodes.append('\taddAttr -ci true -sn "grAlign" -ln "galaxyreelAlign" -dt "string";')
        ma.set(".grText", _q(item.text), kind="string")
        ma.set(".grSize", _num(item.size * CM_PER_M))
        ma.set(".grAlign", _q(item.align), kind="string")
        ma.create("locator", names.take(tname + "Shape"), node)
        ma.nodes.append('\tsetAttr -k off ".v";')
        self.flush_curves()

    def light(self, item: Light, parent: str | None):
        ma, names = self.ma, self.names
        kind = LIGHT_NODE.get(item.kind)
        if kind is None:
            raise SceneError(f"light {item.name!r}: unknown kind {item.kind!r}")
        tname = names.take(item.name)
        node = self.transform(tname, item.transform, parent, aim=True)
        if item.kind == "area":
            half = item.size * CM_PER_M / 2  # Maya's area light is 2 x 2 units
            ma.set(".s", f"{_num(half)} {_num(half)} 1 ", kind="double3")
        shape = ma.create(kind, names.take(tname + "Shape"), node)
        ma.nodes.append('\tsetAttr -k off ".v";')
        lin = srgb_to_linear(np.asarray(item.color, dtype=np.float64))
        ma.set(".cl", _join(lin) + " ", kind="float3")
        if item.kind == "sun":
            ma.set(".in", _num(item.energy))
        else:
            ma.set(".in", _num(item.energy * CM_PER_M**2 / (4 * np.pi)))
            ma.set(".de", "2")
        self.flush_curves()
        ma.connect(f"{shape}.ltd", ":lightList1.l", na=True)
        ma.connect(f"{node}.iog", ":defaultLightSet.dsm", na=True)

    def camera(self, cam: Camera, parent: str) -> str:
        ma, names, scene = self.ma, self.names, self.scene
        tname = names.take(cam.name)
        node = self.transform(tname, cam.transform, parent, aim=True)
        shape = ma.create("camera", names.take(tname + "Shape"), node)
        ma.nodes.append('\tsetAttr -k off ".v";')
        w, h = scene.resolution
        hfa = cam.sensor_width / 25.4
        ma.set(".rnd", "yes")
        ma.set(".cap", f"{_num(hfa)} {_num(hfa * h / w)}", kind="double2")
        ma.set(".ff", "1")  # horizontal film fit: the sensor width is the IR's
        fl = cam.focal_length
        ma.set(".fl", _num(float(fl.values.reshape(-1)[0])))
        ma.set(".ncp", _num(cam.clip_start * CM_PER_M))
        ma.set(".fcp", _num(cam.clip_end * CM_PER_M))
        bg = srgb_to_linear(np.asarray(scene.background, dtype=np.float64))[:3]
        ma.set(".col", _join(bg) + " ", kind="float3")
        ma.set(".imn", _q(tname), kind="string")
        self.flush_curves()
        vals = fl.values.reshape(-1)
        if fl.animated and not np.all(vals == vals[0]):
            self.curve("animCurveTU", f"{shape}_fl", fl.frames, vals, fl.interpolation,
                       f"{shape}.fl")  # fmt: skip
        return node

    # -- the file ---------------------------------------------------------------------------
    def header(self) -> list[str]:
        scene = self.scene
        out = [
            f"//Maya ASCII {MAYA_VERSION} scene",
            f"//Name: {self.filename}",
            "//Codeset: UTF-8",
            "//Written by galaxyreel (scene_builders.maya_ascii); Maya was not needed to write it.",
            f'requires maya "{MAYA_VERSION}";',
        ]
        if self.arnold:
            out.append(
                'requires -nodeType "aiOptions" -nodeType "aiAOVDriver" -nodeType "aiAOVFilter" '
                f'-nodeType "aiStandardSurface" -nodeType "aiUserDataColor" "mtoa" "{MTOA_VERSION}";'
            )
        out.append(f"currentUnit -l centimeter -a degree -t {time_unit(scene.fps)};")
        shots = ";".join(self.shots_info)
        for key, value in (
            ("application", "maya"),
            ("product", f"Maya {MAYA_VERSION}"),
            ("version", MAYA_VERSION),
            ("galaxyreelShots", shots),
            ("galaxyreelQuality", scene.quality),
        ):
            out.append(f"fileInfo {_q(key)} {_q(value)};")
        return out

    def startup(self):
        """The startup cameras and managers Maya writes into every scene."""
        ma = self.ma
        for cam, t, r, view in (
            ("persp", "2800 2100 2800", "-27.9 45 0", "viewSet -p %camera"),
            ("top", "0 100000.1 0", "-90 0 0", "viewSet -t %camera"),
            ("front", "0 0 100000.1", None, "viewSet -f %camera"),
            ("side", "100000.1 0 0", "0 90 0", "viewSet -s %camera"),
        ):
            ma.create("transform", cam, shared=True)
            ma.set(".v", "no")
            ma.set(".t", t + " ", kind="double3")
            if r:
                ma.set(".r", r + " ", kind="double3")
            ma.create("camera", cam + "Shape", cam, shared=True)
            ma.nodes.append('\tsetAttr -k off ".v" no;')
            ma.set(".rnd", "no")
            ma.set(".ncp", "0.1")
            ma.set(".fcp", "1000000")
            if cam != "persp":
                ma.set(".ow", "3000")
                ma.set(".o", "yes")
            ma.set(".imn", _q(cam), kind="string")
            ma.set(".hc", _q(view), kind="string")
        ma.create("lightLinker", "lightLinker1", shared=True)
        ma.create("displayLayerManager", "layerManager")
        ma.create("displayLayer", "defaultLayer")
        ma.create("renderLayerManager", "renderLayerManager")
        ma.create("renderLayer", "defaultRenderLayer")
        ma.set(".g", "yes")
        ma.connect("layerManager.dli[0]", "defaultLayer.id")
        ma.connect("renderLayerManager.rlmi[0]", "defaultRenderLayer.rlid")
        ma.connect("defaultRenderLayer.msg", ":defaultRenderingList1.r", na=True)
        for kind in ("link", "shadowLink"):
            for sg in (":initialShadingGroup", ":initialParticleSE"):
                ma.rels.append(
                    f'relationship "{kind}" ":lightLinker1" "{sg}.message" '
                    '":defaultLightSet.message";'
                )

    def arnold_defaults(self):
        ma = self.ma
        ma.create("aiOptions", "defaultArnoldRenderOptions", shared=True)
        ma.set(".AA_samples", str(max(1, int(round(np.sqrt(self.scene.samples))))))
        ma.set(".version", _q(MTOA_VERSION), kind="string")
        ma.create("aiAOVFilter", "defaultArnoldFilter", shared=True)
        ma.set(".ai_translator", _q("gaussian"), kind="string")
        ma.create("aiAOVDriver", "defaultArnoldDriver", shared=True)
        ma.set(".ai_translator", _q("png"), kind="string")
        ma.create("aiAOVDriver", "defaultArnoldDisplayDriver", shared=True)
        ma.set(".output_mode", "0")
        ma.set(".ai_translator", _q("maya"), kind="string")
        ma.connect(
            ":defaultArnoldDisplayDriver.msg", ":defaultArnoldRenderOptions.drivers", na=True
        )
        ma.connect(":defaultArnoldFilter.msg", ":defaultArnoldRenderOptions.filt")
        ma.connect(":defaultArnoldDriver.msg", ":defaultArnoldRenderOptions.drvr")

    def build(self) -> str:
        scene, ma, names = self.scene, self.ma, self.names
        self._pending = []
        self.startup()
        if self.arnold:
            self.arnold_defaults()
        start, end = scene.frame_start, scene.frame_end
        for light in scene.lights:
            self.light(light, None)
        for shot in sorted(scene.shots, key=lambda s: s.first_frame):
            grp = ma.create("transform", names.take(f"shot_{shot.name}"))
            ma.nodes.append('\taddAttr -ci true -sn "grTitle" -ln "galaxyreelTitle" -dt "string";')
            ma.set(".grTitle", _q(shot.title), kind="string")
            vis_f, vis_v = [], []
            if shot.first_frame > start:
                vis_f, vis_v = [start, shot.first_frame], [0.0, 1.0]
            if shot.last_frame < end:
                if not vis_f:
                    vis_f, vis_v = [shot.first_frame], [1.0]
                vis_f.append(shot.last_frame + 1)
                vis_v.append(0.0)
            if vis_f:
                self.curve("animCurveTU", f"{grp}_visibility", vis_f, vis_v, "constant", f"{grp}.v")
            cam = self.camera(shot.camera, grp)
            self.shots_info.append(f"{shot.name} {shot.first_frame} {shot.last_frame} {cam}")
            handlers = {
                Mesh: self.mesh,
                PointSet: self.points,
                Label: self.label,
                Light: self.light,
            }
            for item in shot.items:
                visit(item, handlers, grp)
        ma.create("script", "sceneConfigurationScriptNode")
        ma.set(".b", _q(f"playbackOptions -min {start} -max {end} -ast {start} -aet {end} "),
               kind="string")  # fmt: skip
        ma.set(".st", "6")
        tail = ma.tail
        tail += ["select -ne :time1;", f'\tsetAttr ".o" {start};', f'\tsetAttr ".unw" {start};']
        tail += ["select -ne :defaultRenderGlobals;"]
        if self.arnold:
            tail += ['\tsetAttr ".ren" -type "string" "arnold";']
        tail += [
            '\tsetAttr ".outf" 32;',
            '\tsetAttr ".imfkey" -type "string" "png";',
            '\tsetAttr ".an" yes;',
            f'\tsetAttr ".fs" {start};',
            f'\tsetAttr ".ef" {end};',
            '\tsetAttr ".pff" yes;',
            '\tsetAttr ".peie" 1;',
            '\tsetAttr ".ifp" -type "string" "<Camera>/frame";',
        ]
        w, h = scene.resolution
        tail += [
            "select -ne :defaultResolution;",
            f'\tsetAttr ".w" {w};',
            f'\tsetAttr ".h" {h};',
            '\tsetAttr ".pa" 1;',
            f'\tsetAttr ".dar" {_num(w / h)};',
        ]
        body = self.header() + ma.nodes + tail + ma.rels + ma.conns
        body.append(f"// End of {self.filename}")
        return "\n".join(body) + "\n"


def write_ma(scene: Scene, path: Path, *, arnold: bool = False) -> Path:
    """Write ``scene`` as Maya ASCII at ``path`` (its atlas PNGs beside it); returns ``path``.

    ``arnold`` writes aiStandardSurface materials and Arnold render options (``requires
    "mtoa"``); otherwise Lambert materials that any renderer reads. Atomic: the file appears
    complete or not at all. IR names Maya would reject are renamed with a MayaNameWarning.
    """
    check_scene(scene)
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise SceneError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise SceneError(f"cannot write {path}: folder {folder} is not writable")
    writer = _Writer(scene, path.name, arnold, _image_names(scene))
    text = writer.build()
    writer.names.report(str(path))
    write_images(scene.images, folder)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SceneError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def _image_names(scene: Scene) -> dict:
    from .textures import image_filename

    return {name: image_filename(img) for name, img in scene.images.items()}
