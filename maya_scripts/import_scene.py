"""Build a galaxyreel scene inside Maya from ``export_for_maya`` output (scene.json + scene.npz).

Run in Maya's Script Editor (Python tab) or mayapy::

    import sys; sys.path.append("/path/to/galaxyreel")   # the folder holding maya_scripts/
    from maya_scripts import import_scene
    import_scene.build("/path/to/scene_dir")             # or import_scene.install_shelf_button()

The data-preparation half (reading the export, turning channels into key lists, splitting
deforming states into blendShape steps, grouping points by colour track) is pure Python and
tested outside Maya; only the ``_maya_*`` functions call ``maya.cmds`` / ``maya.api``. Values
arrive already in Maya's space (cm, Y up, degrees, rotate order xzy, linear colours).
"""

from __future__ import annotations

import json
import os

try:
    from maya_scripts.npz import load_npz
except ImportError:  # run from inside the maya_scripts folder
    from npz import load_npz

FORMAT = "galaxyreel-maya-export"


class ExportError(Exception):
    """The export folder is missing, from another tool, or from an unknown version."""


# -- data preparation (no Maya) ------------------------------------------------------------
def load_export(folder):
    """(document, arrays) from an export folder; arrays are NpyArray by name."""
    path = os.path.join(folder, "scene.json")
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise ExportError(f"{path}: cannot read ({exc.strerror})") from exc
    except ValueError as exc:
        raise ExportError(f"{path}: not JSON ({exc})") from exc
    if doc.get("format") != FORMAT:
        raise ExportError(f"{path}: not a galaxyreel Maya export")
    if doc.get("version") != 1:
        raise ExportError(f"{path}: export version {doc.get('version')} is not supported")
    arrays = load_npz(os.path.join(folder, doc["arrays"]))
    return doc, arrays


def channel_keys(channel, axis):
    """[(frame, value)] of one component of a vector channel, or [] when it never changes."""
    values = [row[axis] for row in channel["values"]]
    if len(values) > 1 and any(v != values[0] for v in values):
        return list(zip(channel["frames"], values, strict=True))
    return []


def static_value(channel):
    """The channel's first value (used when it is not keyed)."""
    return list(channel["values"][0])


def state_steps(states):
    """Deforming-mesh states -> blendShape steps, as the .ma writer does.

    ``states`` is a list of per-state vertex lists. Step k (state k-1 -> k) holds only the
    vertices that move, as (indices, deltas); its weight is keyed 0 at frame k-1 and 1 at k.
    """
    steps = []
    for k in range(1, len(states)):
        idx, deltas = [], []
        for i, (a, b) in enumerate(zip(states[k - 1], states[k], strict=True)):
            d = (b[0] - a[0], b[1] - a[1], b[2] - a[2])
            if d != (0.0, 0.0, 0.0):
                idx.append(i)
                deltas.append(d)
        if idx:
            steps.append((k, idx, deltas))
    return steps


def colour_groups(colors):
    """Points grouped by identical colour track: {track tuple: [point indices]}.

    ``colors`` is keys x points x 3; one shader per distinct track keeps the scene small.
    """
    groups = {}
    n = len(colors[0])
    for i in range(n):
        track = tuple(tuple(colors[k][i]) for k in range(len(colors)))
        groups.setdefault(track, []).append(i)
    return groups


def tile_uvs(shape_uvs, rect):
    """The shape's unit UVs squeezed into one atlas tile (u0, v0, u1, v1)."""
    u0, v0, u1, v1 = rect
    return [(u0 + u * (u1 - u0), v0 + v * (v1 - v0)) for u, v in shape_uvs]


def visibility_keys(shot, start, end):
    """[(frame, 0|1)] stepping a shot group on for its own frames only."""
    keys = []
    if shot["first_frame"] > start:
        keys += [(start, 0), (shot["first_frame"], 1)]
    if shot["last_frame"] < end:
        if not keys:
            keys = [(shot["first_frame"], 1)]
        keys.append((shot["last_frame"] + 1, 0))
    return keys


# -- Maya ----------------------------------------------------------------------------------
def _maya_key(node, attr, keys, in_tangent, out_tangent):
    from maya import cmds

    for frame, value in keys:
        cmds.setKeyframe(node, attribute=attr, time=frame, value=value)
    if keys:
        cmds.keyTangent(node, attribute=attr, inTangentType=in_tangent, outTangentType=out_tangent)


def _maya_transform(node, tf):
    from maya import cmds

    cmds.setAttr(node + ".rotateOrder", tf["rotate_order"])
    if "rotate_axis" in tf:
        cmds.setAttr(node + ".rotateAxis", *tf["rotate_axis"], type="double3")
    for name, short in (("translate", "t"), ("rotate", "r"), ("scale", "s")):
        ch = tf.get(name)
        if ch is None:
            continue
        cmds.setAttr(f"{node}.{short}", *static_value(ch), type="double3")
        for axis, ax in enumerate("xyz"):
            keys = channel_keys(ch, axis)
            _maya_key(node, short + ax, keys, ch["in_tangent"], ch["out_tangent"])


def _maya_mesh(name, parent, verts, faces, uvs=None):
    """A transform ``name`` (under ``parent`` if given) holding a new mesh; returns the transform."""
    import maya.api.OpenMaya as om
    from maya import cmds

    counts = [len(f) for f in faces]
    connects = [i for f in faces for i in f]
    points = om.MFloatPointArray([om.MFloatPoint(*v) for v in verts])
    tr = (
        cmds.createNode("transform", name=name, parent=parent)
        if parent
        else cmds.createNode("transform", name=name)
    )
    sel = om.MSelectionList()
    sel.add(tr)
    fn = om.MFnMesh()
    fn.create(points, counts, connects, parent=sel.getDependNode(0))
    if uvs:
        fn.setUVs([u for u, _ in uvs], [v for _, v in uvs])
        fn.assignUVs(counts, connects)
    return tr


def _maya_material(name, mat, images, folder, tint_keys=None):
    from maya import cmds

    shader = cmds.shadingNode("aiStandardSurface", asShader=True, name=name)
    sg = cmds.sets(renderable=True, noSurfaceShader=True, empty=True, name=name + "SG")
    cmds.connectAttr(shader + ".outColor", sg + ".surfaceShader")
    cmds.setAttr(shader + ".specularRoughness", mat["roughness"])
    cmds.setAttr(shader + ".metalness", mat["metallic"])
    colour_src = None
    if mat.get("texture"):
        tex = cmds.shadingNode("file", asTexture=True, name=name + "_file")
        cmds.setAttr(
            tex + ".fileTextureName", os.path.join(folder, images[mat["texture"]]), type="string"
        )
        colour_src = tex + ".outColor"
    if tint_keys is not None:
        md = cmds.shadingNode("multiplyDivide", asUtility=True, name=name + "_tint")
        for axis, ax in enumerate("XYZ"):
            frames, values, itt, ott = tint_keys
            _maya_key(
                md,
                "input1" + ax,
                [(f, v[axis]) for f, v in zip(frames, values, strict=True)],
                itt,
                ott,
            )
        if colour_src:
            cmds.connectAttr(colour_src, md + ".input2")
        colour_src = md + ".output"
    if colour_src:
        cmds.connectAttr(colour_src, shader + ".baseColor")
    else:
        cmds.setAttr(shader + ".baseColor", *mat["color"][:3], type="double3")
    if mat["emission"] > 0:
        cmds.setAttr(shader + ".emission", mat["emission"])
        cmds.setAttr(shader + ".emissionColor", *mat["color"][:3], type="double3")
    return sg


def build(folder):
    """Recreate the exported scene in the open Maya session; returns the shot group names."""
    from maya import cmds

    doc, arrays = load_export(folder)
    cmds.currentUnit(linear="centimeter", angle="degree", time=doc["time_unit"])
    start, end = doc["frame_start"], doc["frame_end"]
    cmds.playbackOptions(minTime=start, maxTime=end, animationStartTime=start, animationEndTime=end)
    sgs = {}

    def material(name, tint=None, key=None):
        key = key or name
        if key not in sgs:
            sgs[key] = _maya_material(key, doc["materials"][name], doc["images"], folder, tint)
        return sgs[key]

    groups = []
    for shot in doc["shots"]:
        grp = cmds.createNode("transform", name=shot["group"])
        groups.append(grp)
        _maya_key(grp, "visibility", visibility_keys(shot, start, end), "linear", "step")
        cam = shot["camera"]
        cam_tr, cam_shape = cmds.camera(name=cam["name"])
        cam_tr = cmds.parent(cam_tr, grp)[0]
        _maya_transform(cam_tr, cam["transform"])
        cmds.setAttr(cam_shape + ".horizontalFilmAperture", cam["aperture_inches"][0])
        cmds.setAttr(cam_shape + ".verticalFilmAperture", cam["aperture_inches"][1])
        cmds.setAttr(cam_shape + ".filmFit", 1)
        cmds.setAttr(cam_shape + ".nearClipPlane", cam["clip"][0])
        cmds.setAttr(cam_shape + ".farClipPlane", cam["clip"][1])
        fl = cam["focal_length"]
        cmds.setAttr(cam_shape + ".focalLength", fl["values"][0][0])
        _maya_key(
            cam_shape, "focalLength", channel_keys(fl, 0), fl["in_tangent"], fl["out_tangent"]
        )
        for item in shot["items"]:
            kind = item["type"]
            if kind == "mesh":
                verts = arrays[item["vertices"]].rows()
                faces = arrays[item["faces"]].rows()
                uvs = arrays[item["uvs"]].rows() if item["uvs"] else None
                node = _maya_mesh(item["name"], grp, verts, faces, uvs)
                _maya_transform(node, item["transform"])
                if item["states"]:
                    st = item["states"]
                    states = arrays[st["values"]].rows()
                    bs = cmds.blendShape(node, name=item["name"] + "_states")[0]
                    for w, (k, idx, deltas) in enumerate(state_steps(states)):
                        target = [list(p) for p in states[k - 1]]
                        for i, d in zip(idx, deltas, strict=True):
                            target[i] = [states[k - 1][i][j] + d[j] for j in range(3)]
                        tgt = _maya_mesh(f"{item['name']}_step{k}", None, target, faces)
                        cmds.blendShape(bs, edit=True, target=(node, w, tgt, 1.0))
                        cmds.delete(tgt)
                        keys = [(st["frames"][k - 1], 0.0), (st["frames"][k], 1.0)]
                        _maya_key(bs, f"w[{w}]", keys, st["in_tangent"], st["out_tangent"])
                cmds.sets(node, edit=True, forceElement=material(item["material"]))
            elif kind == "points":
                _maya_points(item, arrays, grp, material)
            elif kind == "label":
                curves = cmds.textCurves(text=item["text"], name=item["name"])[0]
                cmds.parent(curves, grp)
                _maya_transform(curves, item["transform"])
            elif kind == "light":
                _maya_light(item, grp)
    for light in doc["lights"]:
        _maya_light(light, None)
    return groups


def _maya_points(item, arrays, grp, material):
    from maya import cmds

    verts = arrays[item["shape_vertices"]].rows()
    faces = arrays[item["shape_faces"]].rows()
    base_uv = arrays[item["shape_uvs"]].rows()
    rects = arrays[item["tile_rects"]].rows() if item["tile_rects"] else None
    pos = arrays[item["positions"]["values"]].rows()
    cols = arrays[item["colors"]["values"]].rows()
    group = cmds.createNode("transform", name=item["name"], parent=grp)
    _maya_transform(group, item["transform"])
    pk, ck = item["positions"], item["colors"]
    for g, (track, members) in enumerate(colour_groups(cols).items()):
        sg = material(item["material"], (ck["frames"], track, ck["in_tangent"], ck["out_tangent"]),
                      key=f"{item['name']}_look{g}")  # fmt: skip
        for i in members:
            uvs = tile_uvs(base_uv, rects[i]) if rects else base_uv
            node = _maya_mesh(f"{item['name']}_{i}", group, verts, faces, uvs)
            first = pos[0][i]
            cmds.setAttr(node + ".t", *first, type="double3")
            for axis, ax in enumerate("xyz"):
                keys = [(f, pos[k][i][axis]) for k, f in enumerate(pk["frames"])]
                if any(v != keys[0][1] for _, v in keys):
                    _maya_key(node, "t" + ax, keys, pk["in_tangent"], pk["out_tangent"])
            cmds.sets(node, edit=True, forceElement=sg)


def _maya_light(item, parent):
    from maya import cmds

    make = {"sun": cmds.directionalLight, "point": cmds.pointLight, "area": None}[item["kind"]]
    if make is None:
        shape = cmds.shadingNode("areaLight", asLight=True, name=item["name"])
    else:
        shape = make(name=item["name"])
    tr = cmds.listRelatives(shape, parent=True)[0] if cmds.nodeType(shape) != "transform" else shape
    if parent:
        tr = cmds.parent(tr, parent)[0]
    _maya_transform(tr, item["transform"])
    light = cmds.listRelatives(tr, shapes=True)[0]
    cmds.setAttr(light + ".color", *item["color"][:3], type="double3")
    if item["kind"] == "sun":
        cmds.setAttr(light + ".intensity", item["energy"])
    else:
        cmds.setAttr(light + ".intensity", item["energy"] * 10000 / (4 * 3.141592653589793))
        cmds.setAttr(light + ".decayRate", 2)
    if item["kind"] == "area":
        half = item["size"] / 2
        cmds.setAttr(tr + ".s", half, half, 1, type="double3")


def build_from_dialog():
    """Shelf-button entry: pick an export folder, build it."""
    from maya import cmds

    picked = cmds.fileDialog2(fileMode=3, caption="galaxyreel export folder (scene.json)")
    if picked:
        build(picked[0])


def install_shelf_button(shelf="Custom"):
    """Add a 'galaxyreel' button to ``shelf`` that runs :func:`build_from_dialog`."""
    from maya import cmds, mel

    top = mel.eval("$tmp = $gShelfTopLevel")
    if not cmds.shelfLayout(shelf, exists=True):
        cmds.shelfLayout(shelf, parent=top)
    cmds.shelfButton(
        parent=shelf,
        label="galaxyreel",
        annotation="Import a galaxyreel scene export (scene.json + scene.npz)",
        imageOverlayLabel="GR",
        image1="pythonFamily.png",
        sourceType="python",
        command="from maya_scripts import import_scene; import_scene.build_from_dialog()",
    )
