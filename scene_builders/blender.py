"""The Blender writer: Scene IR -> a self-contained, keyframed ``.blend`` (bpy 5.0.1).

The only module here that imports ``bpy``, always inside functions, so the package imports
without Blender. The .blend must render on any farm node in a plain Blender: no add-on, no frame
handlers, the atlas packed inside. Everything that moves is baked into F-curves, absolute shape
keys and Geometry Nodes inputs. What was measured with bpy 5.0.1 and decided here:

* Meshes come from numpy through ``foreach_set`` (a 30x1024 surface in 0.02 s).
* F-curves are written in bulk through the layered-action API (``action.fcurves`` is gone in
  5.0): ``strip.channelbag(slot, ensure=True)`` then ``keyframe_points.foreach_set``; 1000x3x11
  keys take 0.05 s against 0.2 s with ``keyframe_insert``.
* IR "bezier" is flat tangents: FREE handles at one third of each neighbouring segment with the
  key's own value, which makes Blender's curve exactly the IR's smoothstep (``Keys.at``).
* Deforming meshes and point positions are *absolute* shape keys (one per IR state, 10 apart on
  the key's ``eval_time``) driven by one keyed ``eval_time``: the interpolation between states is
  the IR's, chosen on the eval_time curve.
* Point sets are ONE point mesh + a Geometry Nodes "Instance on Points" modifier, not one object
  per point (0.6 MB vs 6.2 MB for 1000 spheres). Per-point colour states are point attributes
  ``gr_color_<k>``; a keyed modifier input ``Color State`` picks (and blends) them. Atlas tiles are
  the point attributes ``gr_tile_lo``/``gr_tile_hi`` read by ONE material through instancer
  attributes (0.2 s/frame vs 0.7-1.4 s/frame with 1000 materials, identical pixels).
* The modifier's ``Realize`` input (off for rendering) realizes the instances, because instances
  export empty to USD and glTF: :func:`set_realize` flips it before an export.
* Shots share one timeline; an object is hidden (keyed ``hide_render``) outside its shot and
  timeline markers bound to each shot's camera switch cameras.
* Presets: ``preview`` = Cycles, the look's few samples, no denoiser, no indirect bounces (sharp
  sun lamps and self-lit text stay clean); ``final`` = Cycles, denoised, 4 bounces. Workbench
  (EGL on llvmpipe here) and EEVEE (10-24 s a small frame on llvmpipe) are slower on CPU nodes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from .ir import (
    Camera,
    Image,
    Keys,
    Label,
    Light,
    Material,
    Mesh,
    PointSet,
    Scene,
    SceneError,
    Transform,
    euler_xyz_to_matrix,
    matrix_to_euler_xyz,
    srgb_to_linear,
)

OUTPUT_PATH = "//frames/####"
GN_NAME = "gr_points"
_IPO = {"constant": 0, "linear": 1, "bezier": 2}
_LABEL_CAP = 0.7  # Blender's built-in font: capital height / font size


# ----------------------------------------------------------------------------- animation


def _handles(frames: np.ndarray, values: np.ndarray):
    """Flat handles a third of the way to each neighbour (the IR's bezier = smoothstep)."""
    prev_gap = np.r_[frames[1] - frames[0] if len(frames) > 1 else 1.0, np.diff(frames)]
    next_gap = np.r_[np.diff(frames), prev_gap[-1]]
    left = np.stack([frames - prev_gap / 3.0, values], axis=1)
    right = np.stack([frames + next_gap / 3.0, values], axis=1)
    return left, right


def animate(id_block, channels) -> None:
    """Key ``channels`` = [(data_path, index, frames, values, interpolation)] in one action.

    One layered action per datablock, F-curves filled in bulk with ``foreach_set``.
    """
    import bpy

    if not channels:
        return
    action = bpy.data.actions.new(f"{id_block.name}.action")
    slot = action.slots.new(id_type=id_block.id_type, name=id_block.name)
    strip = action.layers.new("galaxyreel").strips.new(type="KEYFRAME")
    bag = strip.channelbag(slot, ensure=True)
    for path, index, frames, values, interpolation in channels:
        frames = np.asarray(frames, np.float64)
        values = np.asarray(values, np.float64)
        n = frames.shape[0]
        fc = bag.fcurves.new(path, index=index)
        kp = fc.keyframe_points
        kp.add(n)
        kp.foreach_set("co", np.stack([frames, values], axis=1).ravel().astype(np.float32))
        kp.foreach_set("interpolation", np.full(n, _IPO[interpolation], np.int32))
        left, right = _handles(frames, values)
        kp.foreach_set("handle_left_type", np.zeros(n, np.int32))  # FREE
        kp.foreach_set("handle_right_type", np.zeros(n, np.int32))
        kp.foreach_set("handle_left", left.ravel().astype(np.float32))
        kp.foreach_set("handle_right", right.ravel().astype(np.float32))
        fc.update()
    ad = id_block.animation_data or id_block.animation_data_create()
    ad.action = action
    ad.action_slot = slot


def _channels(path: str, keys: Keys, convert=None) -> list:
    """F-curve specs for an animated IR channel (scalar or vector); none if it is static."""
    if not keys.animated:
        return []
    vals = np.asarray(keys.values, np.float64)
    if convert is not None:
        vals = np.array([convert(v) for v in vals])
    if vals.ndim == 1:
        return [(path, 0, keys.frames, vals, keys.interpolation)]
    return [(path, i, keys.frames, vals[:, i], keys.interpolation) for i in range(vals.shape[1])]


def _label_rotation(euler) -> np.ndarray:
    """IR label rotation (text in XZ facing -Y at rest) -> Blender text rotation (text in XY)."""
    stand = euler_xyz_to_matrix((np.pi / 2, 0.0, 0.0))
    return matrix_to_euler_xyz(euler_xyz_to_matrix(euler) @ stand)


def _apply_transform(obj, tr: Transform, visibility=None, rotate=None) -> None:
    """Set the rest transform, key what moves, and key ``hide_render`` outside the shot."""
    rot_of = rotate or (lambda v: np.asarray(v, np.float64))
    obj.location = tuple(tr.location.values[0])
    obj.rotation_mode = "XYZ"
    obj.rotation_euler = tuple(rot_of(tr.rotation.values[0]))
    obj.scale = tuple(tr.scale.values[0])
    ch = (
        _channels("location", tr.location)
        + _channels("rotation_euler", tr.rotation, rot_of if rotate else None)
        + _channels("scale", tr.scale)
    )
    if visibility is not None:
        ch += visibility
    animate(obj, ch)


def _visibility(first: int, last: int, scene_start: int, scene_end: int) -> list:
    """Constant keys hiding an object outside [first, last]."""
    frames, hidden = [], []
    if first > scene_start:
        frames.append(float(scene_start))
        hidden.append(1.0)
    frames.append(float(first))
    hidden.append(0.0)
    if last < scene_end:
        frames.append(float(last + 1))
        hidden.append(1.0)
    if len(frames) == 1:
        return []
    return [
        ("hide_render", 0, frames, hidden, "constant"),
        ("hide_viewport", 0, frames, hidden, "constant"),
    ]


def _shape_states(obj, states: np.ndarray, keys: Keys) -> None:
    """Absolute shape keys, one per state, and a keyed ``eval_time`` following ``keys``."""
    for s in range(states.shape[0]):
        kb = obj.shape_key_add(name=f"state_{s:03d}", from_mix=False)
        kb.data.foreach_set("co", np.ascontiguousarray(states[s], np.float32).ravel())
        kb.interpolation = "KEY_LINEAR"
    key = obj.data.shape_keys
    key.use_relative = False
    key.eval_time = 0.0
    # Blender places absolute keys ~10 apart by summing float32 steps, so key 39 sits at
    # 390.00x: key eval_time to the positions Blender actually holds, not to s * 10.
    where = np.array([kb.frame for kb in key.key_blocks], np.float64)
    animate(key, [("eval_time", 0, keys.frames, where, keys.interpolation)])


# ----------------------------------------------------------------------------- materials


class _Materials:
    """Blender materials made on demand: one variant for meshes, one for point instances."""

    def __init__(self, scene: Scene, images: dict):
        self.scene = scene
        self.images = images
        self.made: dict = {}

    def get(self, name: str, points: bool = False):
        key = (name, points)
        if key not in self.made:
            self.made[key] = self._make(self.scene.materials[name], points)
        return self.made[key]

    def _make(self, m: Material, points: bool):
        import bpy

        mat = bpy.data.materials.new(m.name + (".points" if points else ""))
        # Self-lit surfaces are a look, not lamps: as lights they cost Cycles an emission
        # estimate per frame (seconds for a screen of textured tiles).
        mat.cycles.emission_sampling = "NONE"
        nt = mat.node_tree
        nt.nodes.clear()
        out = nt.nodes.new("ShaderNodeOutputMaterial")
        bsdf = nt.nodes.new("ShaderNodeBsdfPrincipled")
        nt.links.new(bsdf.outputs["BSDF"], out.inputs["Surface"])
        rgba = srgb_to_linear(np.asarray(m.color, np.float64))
        bsdf.inputs["Roughness"].default_value = float(m.roughness)
        bsdf.inputs["Metallic"].default_value = float(m.metallic)
        bsdf.inputs["Emission Strength"].default_value = float(m.emission)
        colour = nt.nodes.new("ShaderNodeRGB")
        colour.outputs[0].default_value = tuple(rgba)
        socket = colour.outputs[0]

        def multiply(other):
            mix = nt.nodes.new("ShaderNodeMix")
            mix.data_type = "RGBA"
            mix.blend_type = "MULTIPLY"
            mix.inputs["Factor"].default_value = 1.0
            nt.links.new(socket, mix.inputs["A"])
            nt.links.new(other, mix.inputs["B"])
            return mix.outputs["Result"]

        if m.use_vertex_color and not points:
            vc = nt.nodes.new("ShaderNodeVertexColor")
            vc.layer_name = "Col"
            socket = multiply(vc.outputs["Color"])
        if points:
            attr = nt.nodes.new("ShaderNodeAttribute")
            attr.attribute_type = "INSTANCER"
            attr.attribute_name = "gr_color"
            socket = multiply(attr.outputs["Color"])
        if m.texture is not None:
            tex = nt.nodes.new("ShaderNodeTexImage")
            tex.image = self.images[m.texture]
            tex.interpolation = "Linear"
            tex.extension = "EXTEND"
            uv = nt.nodes.new("ShaderNodeUVMap")
            uv.uv_map = "UVMap"
            if points:
                lo = nt.nodes.new("ShaderNodeAttribute")
                lo.attribute_type = "INSTANCER"
                lo.attribute_name = "gr_tile_lo"
                hi = nt.nodes.new("ShaderNodeAttribute")
                hi.attribute_type = "INSTANCER"
                hi.attribute_name = "gr_tile_hi"
                size = nt.nodes.new("ShaderNodeVectorMath")
                size.operation = "SUBTRACT"
                nt.links.new(hi.outputs["Vector"], size.inputs[0])
                nt.links.new(lo.outputs["Vector"], size.inputs[1])
                fma = nt.nodes.new("ShaderNodeVectorMath")
                fma.operation = "MULTIPLY_ADD"
                nt.links.new(uv.outputs["UV"], fma.inputs[0])
                nt.links.new(size.outputs["Vector"], fma.inputs[1])
                nt.links.new(lo.outputs["Vector"], fma.inputs[2])
                nt.links.new(fma.outputs["Vector"], tex.inputs["Vector"])
            else:
                nt.links.new(uv.outputs["UV"], tex.inputs["Vector"])
            socket = multiply(tex.outputs["Color"])
        nt.links.new(socket, bsdf.inputs["Base Color"])
        nt.links.new(socket, bsdf.inputs["Emission Color"])
        return mat


def _image(img: Image):
    """An IR image as a packed Blender image (IR rows run top-down, Blender's bottom-up)."""
    import bpy

    h, w = img.pixels.shape[:2]
    bim = bpy.data.images.new(img.name, width=w, height=h, alpha=True)
    bim.colorspace_settings.name = "sRGB"
    px = np.ascontiguousarray(img.pixels[::-1], np.float32).ravel() / 255.0
    bim.pixels.foreach_set(px)
    bim.pack()
    return bim


# ----------------------------------------------------------------------------- objects


def _link(obj, collection):
    collection.objects.link(obj)
    return obj


def _mesh(item: Mesh, mats: _Materials, collection, vis):
    import bpy

    me = bpy.data.meshes.new(item.name)
    verts = np.asarray(item.vertices, np.float32)
    faces = np.asarray(item.faces, np.int64)
    me.vertices.add(verts.shape[0])
    me.vertices.foreach_set("co", verts.ravel())
    if faces.size:
        nf, k = faces.shape
        me.loops.add(nf * k)
        me.loops.foreach_set("vertex_index", faces.ravel().astype(np.int32))
        me.polygons.add(nf)
        me.polygons.foreach_set("loop_start", (np.arange(nf) * k).astype(np.int32))
    me.update()
    if item.colors is not None:
        attr = me.color_attributes.new("Col", "FLOAT_COLOR", "POINT")
        attr.data.foreach_set("color", srgb_to_linear(item.colors).astype(np.float32).ravel())
    if item.uvs is not None and faces.size:
        uv = me.uv_layers.new(name="UVMap")
        uv.data.foreach_set("uv", np.asarray(item.uvs, np.float32)[faces.ravel()].ravel())
    if item.smooth and faces.size:
        me.shade_smooth()
    me.materials.append(mats.get(item.material))
    obj = _link(bpy.data.objects.new(item.name, me), collection)
    if item.states is not None:
        _shape_states(obj, np.asarray(item.states.values), item.states)
    _apply_transform(obj, item.transform, vis)
    return obj


def _points_tree(item: PointSet, material, color_states: int):
    """Geometry Nodes: points -> instances (sphere or square) with the chosen colour state."""
    import bpy

    nt = bpy.data.node_groups.new(f"{item.name}.{GN_NAME}", "GeometryNodeTree")
    nt.interface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    nt.interface.new_socket("Color State", in_out="INPUT", socket_type="NodeSocketFloat")
    nt.interface.new_socket("Realize", in_out="INPUT", socket_type="NodeSocketBool")
    nt.interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    n, link = nt.nodes, nt.links.new
    gin = n.new("NodeGroupInput")
    gout = n.new("NodeGroupOutput")

    # Colour: blend state floor(s) and floor(s)+1 by fract(s); constant keys keep fract at 0.
    floor = n.new("ShaderNodeMath")
    floor.operation = "FLOOR"
    link(gin.outputs["Color State"], floor.inputs[0])
    frac = n.new("ShaderNodeMath")
    frac.operation = "SUBTRACT"
    link(gin.outputs["Color State"], frac.inputs[0])
    link(floor.outputs[0], frac.inputs[1])
    nxt = n.new("ShaderNodeMath")
    nxt.operation = "MINIMUM"
    add = n.new("ShaderNodeMath")
    add.operation = "ADD"
    add.inputs[1].default_value = 1.0
    link(floor.outputs[0], add.inputs[0])
    link(add.outputs[0], nxt.inputs[0])
    nxt.inputs[1].default_value = float(color_states - 1)
    switches = []
    for idx_socket in (floor.outputs[0], nxt.outputs[0]):
        sw = n.new("GeometryNodeIndexSwitch")
        sw.data_type = "RGBA"
        while len(sw.index_switch_items) < color_states:
            sw.index_switch_items.new()
        while len(sw.index_switch_items) > color_states:
            sw.index_switch_items.remove(sw.index_switch_items[-1])
        to_int = n.new("FunctionNodeFloatToInt")
        to_int.rounding_mode = "FLOOR"
        link(idx_socket, to_int.inputs[0])
        link(to_int.outputs[0], sw.inputs["Index"])
        for k in range(color_states):
            na = n.new("GeometryNodeInputNamedAttribute")
            na.data_type = "FLOAT_COLOR"
            na.inputs["Name"].default_value = f"gr_color_{k}"
            link(na.outputs["Attribute"], sw.inputs[str(k)])
        switches.append(sw)
    mix = n.new("ShaderNodeMix")
    mix.data_type = "RGBA"
    link(frac.outputs[0], mix.inputs["Factor"])
    link(switches[0].outputs[0], mix.inputs["A"])
    link(switches[1].outputs[0], mix.inputs["B"])
    store = n.new("GeometryNodeStoreNamedAttribute")
    store.data_type = "FLOAT_COLOR"
    store.domain = "POINT"
    store.inputs["Name"].default_value = "gr_color"
    link(gin.outputs["Geometry"], store.inputs["Geometry"])
    link(mix.outputs["Result"], store.inputs["Value"])

    # The instance: a UV sphere, or a square in XZ facing -Y (texture upright along +Z).
    if item.shape == "sphere":
        shape = n.new("GeometryNodeMeshUVSphere")
        shape.inputs["Segments"].default_value = 20
        shape.inputs["Rings"].default_value = 10
        shape.inputs["Radius"].default_value = float(item.radius)
        mesh_out, uv_out = shape.outputs["Mesh"], shape.outputs["UV Map"]
    elif item.shape == "square":
        shape = n.new("GeometryNodeMeshGrid")
        shape.inputs["Size X"].default_value = 2 * float(item.radius)
        shape.inputs["Size Y"].default_value = 2 * float(item.radius)
        shape.inputs["Vertices X"].default_value = 2
        shape.inputs["Vertices Y"].default_value = 2
        mesh_out, uv_out = shape.outputs["Mesh"], shape.outputs["UV Map"]
    else:
        raise SceneError(f"points {item.name!r}: unknown shape {item.shape!r}")
    uvs = n.new("GeometryNodeStoreNamedAttribute")
    uvs.data_type = "FLOAT2"
    uvs.domain = "CORNER"
    uvs.inputs["Name"].default_value = "UVMap"
    link(mesh_out, uvs.inputs["Geometry"])
    link(uv_out, uvs.inputs["Value"])
    geo = uvs.outputs["Geometry"]
    if item.shape == "square":
        rot = n.new("GeometryNodeTransform")
        rot.inputs["Rotation"].default_value = (np.pi / 2, 0.0, 0.0)
        link(geo, rot.inputs["Geometry"])
        geo = rot.outputs["Geometry"]
    setmat = n.new("GeometryNodeSetMaterial")
    setmat.inputs["Material"].default_value = material
    link(geo, setmat.inputs["Geometry"])
    if item.shape == "sphere":
        smooth = n.new("GeometryNodeSetShadeSmooth")
        link(setmat.outputs["Geometry"], smooth.inputs["Geometry"])
        inst_geo = smooth.outputs["Geometry"]
    else:
        inst_geo = setmat.outputs["Geometry"]
    iop = n.new("GeometryNodeInstanceOnPoints")
    link(store.outputs["Geometry"], iop.inputs["Points"])
    link(inst_geo, iop.inputs["Instance"])
    realize = n.new("GeometryNodeRealizeInstances")
    link(iop.outputs["Instances"], realize.inputs["Geometry"])
    switch = n.new("GeometryNodeSwitch")
    switch.input_type = "GEOMETRY"
    link(gin.outputs["Realize"], switch.inputs["Switch"])
    link(iop.outputs["Instances"], switch.inputs["False"])
    link(realize.outputs["Geometry"], switch.inputs["True"])
    link(switch.outputs[0], gout.inputs["Geometry"])
    return nt


def _socket_id(tree, name: str) -> str:
    for it in tree.interface.items_tree:
        if getattr(it, "in_out", None) == "INPUT" and it.name == name:
            return it.identifier
    raise KeyError(name)


def _points(item: PointSet, mats: _Materials, atlas: Image | None, collection, vis):
    import bpy

    pos = np.asarray(item.positions.values, np.float64)
    n = pos.shape[1]
    me = bpy.data.meshes.new(item.name)
    me.vertices.add(n)
    me.vertices.foreach_set("co", pos[0].astype(np.float32).ravel())
    colors = srgb_to_linear(np.asarray(item.colors.values, np.float64)).astype(np.float32)
    for k in range(colors.shape[0]):
        a = me.attributes.new(f"gr_color_{k}", "FLOAT_COLOR", "POINT")
        a.data.foreach_set("color", colors[k].ravel())
    if atlas is not None and item.tiles is not None:
        rect = atlas.tile_uv(item.tiles)
        for nm, cols in (("gr_tile_lo", rect[:, :2]), ("gr_tile_hi", rect[:, 2:])):
            a = me.attributes.new(nm, "FLOAT_VECTOR", "POINT")
            vec = np.zeros((n, 3), np.float32)
            vec[:, :2] = cols
            a.data.foreach_set("vector", vec.ravel())
    me.update()
    obj = _link(bpy.data.objects.new(item.name, me), collection)
    if item.positions.animated:
        _shape_states(obj, pos, item.positions)
    tree = _points_tree(item, mats.get(item.material, points=True), colors.shape[0])
    mod = obj.modifiers.new(GN_NAME, "NODES")
    mod.node_group = tree
    state_id = _socket_id(tree, "Color State")
    mod[state_id] = 0.0
    mod[_socket_id(tree, "Realize")] = False
    ch = list(vis or [])
    if item.colors.animated:
        ch += [
            (
                f'modifiers["{GN_NAME}"]["{state_id}"]',
                0,
                item.colors.frames,
                np.arange(colors.shape[0], dtype=np.float64),
                item.colors.interpolation,
            )
        ]
    _apply_transform(obj, item.transform, ch)
    return obj


def _label(item: Label, mats: _Materials, collection, vis):
    import bpy

    cu = bpy.data.curves.new(item.name, "FONT")
    cu.body = item.text
    cu.size = float(item.size) / _LABEL_CAP
    cu.align_x = {"left": "LEFT", "center": "CENTER", "right": "RIGHT"}.get(item.align, "CENTER")
    # Baked to a mesh: a text object is re-tessellated every frame it is evaluated, which
    # measured as two thirds of a preview frame's CPU time with twenty labels in the file.
    tmp = bpy.data.objects.new(item.name + ".text", cu)
    collection.objects.link(tmp)
    dg = bpy.context.evaluated_depsgraph_get()
    dg.update()
    me = bpy.data.meshes.new_from_object(tmp.evaluated_get(dg))
    bpy.data.objects.remove(tmp)
    bpy.data.curves.remove(cu)
    me.name = item.name
    me.materials.clear()
    me.materials.append(mats.get(item.material))
    obj = _link(bpy.data.objects.new(item.name, me), collection)
    _apply_transform(obj, item.transform, vis, rotate=_label_rotation)
    return obj


def _light(item: Light, collection, vis=None):
    import bpy

    kind = {"sun": "SUN", "area": "AREA", "point": "POINT"}.get(item.kind)
    if kind is None:
        raise SceneError(f"light {item.name!r}: unknown kind {item.kind!r}")
    li = bpy.data.lights.new(item.name, kind)
    li.color = tuple(srgb_to_linear(np.r_[item.color, 1.0])[:3])
    li.energy = float(item.energy)
    if kind == "SUN":
        li.angle = float(item.size)
    elif kind == "AREA":
        li.size = float(item.size)
    else:
        li.shadow_soft_size = float(item.size)
    obj = _link(bpy.data.objects.new(item.name, li), collection)
    _apply_transform(obj, item.transform, vis)
    return obj


def _camera(cam: Camera, collection, vis=None):
    import bpy

    data = bpy.data.cameras.new(cam.name)
    data.lens = float(cam.focal_length.values[0])
    data.sensor_width = float(cam.sensor_width)
    data.sensor_fit = "HORIZONTAL"
    data.clip_start = float(cam.clip_start)
    data.clip_end = float(cam.clip_end)
    animate(data, _channels("lens", cam.focal_length))
    obj = _link(bpy.data.objects.new(cam.name, data), collection)
    _apply_transform(obj, cam.transform, vis)
    return obj


# ----------------------------------------------------------------------------- scene


def _render_settings(bscene, scene: Scene) -> None:
    r = bscene.render
    r.engine = "CYCLES"
    r.fps = int(scene.fps)
    r.fps_base = 1.0
    r.resolution_x, r.resolution_y = (int(v) for v in scene.resolution)
    r.resolution_percentage = 100
    r.filepath = OUTPUT_PATH
    r.use_file_extension = True
    r.image_settings.file_format = "PNG"
    r.image_settings.color_mode = "RGB"
    r.image_settings.compression = 15
    r.film_transparent = False
    r.use_persistent_data = True
    bscene.frame_start = scene.frame_start
    bscene.frame_end = scene.frame_end
    bscene.view_settings.view_transform = "Standard"
    bscene.view_settings.look = "None"
    cy = bscene.cycles
    cy.device = "CPU"
    cy.samples = int(scene.samples)
    cy.use_adaptive_sampling = False
    cy.seed = 0
    cy.use_animated_seed = False
    final = scene.quality == "final"
    cy.use_denoising = final
    cy.max_bounces = 4 if final else 0
    cy.diffuse_bounces = 2 if final else 0
    cy.glossy_bounces = 2 if final else 0
    cy.transmission_bounces = 2 if final else 0
    cy.transparent_max_bounces = 4
    cy.caustics_reflective = False
    cy.caustics_refractive = False
    cy.blur_glossy = 1.0
    # Three sun lamps: the light tree costs more than it saves (measured 2x per sample).
    cy.use_light_tree = final


def _world(bscene, scene: Scene) -> None:
    import bpy

    world = bscene.world or bpy.data.worlds.new("galaxyreel_world")
    bscene.world = world
    nt = world.node_tree
    bg = next((nd for nd in nt.nodes if nd.type == "BACKGROUND"), None)
    if bg is None:
        bg = nt.nodes.new("ShaderNodeBackground")
        out = nt.nodes.new("ShaderNodeOutputWorld")
        nt.links.new(bg.outputs[0], out.inputs["Surface"])
    bg.inputs["Color"].default_value = tuple(srgb_to_linear(np.asarray(scene.background)))
    bg.inputs["Strength"].default_value = 1.0


def build_into_current(scene: Scene):
    """Build ``scene`` into the open Blender data (the add-on calls this); returns the bpy scene.

    Objects go into one collection per shot under a ``galaxyreel`` collection; the render
    preset, world, cameras and markers are set on the current scene.
    """
    import bpy

    from .ir import check_scene

    check_scene(scene)
    bscene = bpy.context.scene
    _render_settings(bscene, scene)
    _world(bscene, scene)
    root = bpy.data.collections.new("galaxyreel")
    bscene.collection.children.link(root)
    images = {name: _image(img) for name, img in scene.images.items()}
    mats = _Materials(scene, images)
    for light in scene.lights:
        _light(light, root)
    start, end = scene.frame_start, scene.frame_end
    cams = []
    from tqdm import tqdm

    ordered = sorted(scene.shots, key=lambda s: s.first_frame)
    for shot in tqdm(ordered, desc="blender scene", unit="shot", file=sys.stderr, leave=False):
        coll = bpy.data.collections.new(shot.name)
        root.children.link(coll)
        vis = _visibility(shot.first_frame, shot.last_frame, start, end)
        cam = _camera(shot.camera, coll)
        cams.append(cam)
        marker = bscene.timeline_markers.new(shot.name, frame=shot.first_frame)
        marker.camera = cam
        for item in shot.items:
            if isinstance(item, Mesh):
                _mesh(item, mats, coll, vis)
            elif isinstance(item, PointSet):
                atlas = scene.images.get(item.atlas) if item.atlas else None
                _points(item, mats, atlas, coll, vis)
            elif isinstance(item, Label):
                _label(item, mats, coll, vis)
            elif isinstance(item, Light):
                _light(item, coll, vis)
            else:
                raise SceneError(f"shot {shot.name!r}: cannot write item {type(item).__name__}")
    bscene.camera = cams[0]
    bscene.frame_set(start)
    return bscene


def write_blend(scene: Scene, path: Path) -> Path:
    """Write ``scene`` to ``path`` as a self-contained .blend (temp name, then rename).

    Resets the running Blender's data first (factory settings, empty), so call it from a
    process that owns its bpy (the CLI, a farm job), not from inside a user's session.
    """
    import bpy

    path = Path(path).resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SceneError(f"{path}: cannot create the folder: {exc.strerror or exc}") from exc
    bpy.ops.wm.read_factory_settings(use_empty=True)
    build_into_current(scene)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.blend")
    try:
        bpy.ops.wm.save_as_mainfile(filepath=str(tmp), compress=True, relative_remap=False)
        if not tmp.exists():
            raise SceneError(f"{path}: Blender did not write the file")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + "1").unlink(missing_ok=True)
    return path


def set_realize(realize: bool = True) -> int:
    """Realize (or un-realize) every point set's instances in the open file, for exports.

    Instances export empty to USD and glTF; call this before ``bpy.ops.wm.usd_export``.
    Returns the number of point objects switched.
    """
    import bpy

    count = 0
    for obj in bpy.data.objects:
        mod = obj.modifiers.get(GN_NAME) if obj.type == "MESH" else None
        if mod is None or mod.node_group is None:
            continue
        mod[_socket_id(mod.node_group, "Realize")] = bool(realize)
        obj.update_tag()
        count += 1
    return count


# ----------------------------------------------------------------------------- stills


def _render_main(spec_path: str) -> int:
    """Subprocess entry: open a .blend and render the stills listed in a JSON spec."""
    import bpy

    spec = json.loads(Path(spec_path).read_text())
    bpy.ops.wm.open_mainfile(filepath=spec["blend"])
    sc = bpy.context.scene
    if spec.get("resolution"):
        sc.render.resolution_x, sc.render.resolution_y = spec["resolution"]
        sc.render.resolution_percentage = 100
    if spec.get("samples"):
        sc.cycles.samples = int(spec["samples"])
    for frame, out in spec["stills"]:
        sc.frame_set(int(frame))
        sc.render.filepath = str(Path(out).with_suffix(""))
        sc.render.use_file_extension = True
        bpy.ops.render.render(write_still=True)
    return 0


def render_stills(
    blend: Path,
    stills: dict[int, Path],
    resolution: tuple[int, int] | None = None,
    samples: int | None = None,
    timeout: float = 600.0,
) -> list[Path]:
    """Render ``{frame: out_png}`` from ``blend`` in one fresh Blender process (PNG files).

    A subprocess, so the caller's bpy (if any) is untouched and the file is rendered exactly as
    a farm node would see it.
    """
    blend = Path(blend).resolve()
    if not blend.is_file():
        raise SceneError(f"{blend}: no such .blend file")
    outs = [Path(p).resolve() for p in stills.values()]
    for p in outs:
        p.parent.mkdir(parents=True, exist_ok=True)
    spec = {
        "blend": str(blend),
        "stills": [[int(f), str(p)] for f, p in zip(stills, outs, strict=True)],
        "resolution": list(resolution) if resolution else None,
        "samples": samples,
    }
    with tempfile.TemporaryDirectory(prefix="galaxyreel-still-") as tmp:
        spec_path = Path(tmp) / "spec.json"
        spec_path.write_text(json.dumps(spec))
        env = dict(os.environ)
        env.setdefault("BLENDER_USER_RESOURCES", str(Path(tmp) / "blender-user"))
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        code = "import sys; from scene_builders.blender import _render_main; sys.exit(_render_main(sys.argv[1]))"
        proc = subprocess.run(
            [sys.executable, "-c", code, str(spec_path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    missing = [p for p in outs if not p.is_file()]
    if proc.returncode != 0 or missing:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise SceneError(f"{blend}: rendering stills failed (exit {proc.returncode}): {tail}")
    return outs


def render_still(
    blend: Path,
    frame: int,
    out_png: Path,
    resolution: tuple[int, int] | None = None,
    samples: int | None = None,
) -> Path:
    """Render one frame of ``blend`` to ``out_png`` in a fresh Blender process."""
    return render_stills(blend, {int(frame): Path(out_png)}, resolution, samples)[0]
