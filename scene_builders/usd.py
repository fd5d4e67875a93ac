"""Write the Scene IR as USD (``.usda`` text or ``.usdc`` binary), with usd-core.

USD is the interchange both Maya (maya-usd) and Blender import, so this file keeps to what
both read: ``upAxis`` Z and ``metersPerUnit`` 1 (the IR's own space; without metersPerUnit
Blender imports at x0.01), start/end time codes and frames per second from the scene,
``translate / rotateXYZ / scale`` xform ops, time-sampled mesh points, a ``PointInstancer``
for point sets, UsdPreviewSurface materials with the atlas through UsdUVTexture.

Time samples interpolate linearly, so channels whose IR interpolation is not linear are baked:
``bezier`` at every whole frame between its keys (exact at every frame a farm renders),
``constant`` as a step (each value held until a sample one thousandth of a frame before the
next key). Visibility is a token, held between samples by definition.

Point sets: one ``PointInstancer`` whose positions and ``primvars:displayColor`` are sampled
once per key for all points, and one small prototype mesh per atlas tile with its UVs baked
into that tile (a per-instance texture without custom shading networks, which neither Blender
nor Storm evaluate). Labels are Xforms carrying ``galaxyreel:text`` (USD has no text prim).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from .ir import (
    Camera,
    Keys,
    Label,
    Light,
    Mesh,
    PointSet,
    Scene,
    SceneError,
    check_scene,
    srgb_to_linear,
    visit,
)
from .maya_convert import Names, unit_square, uv_sphere
from .textures import write_images

SUFFIXES = (".usda", ".usdc", ".usd")
STEP_EPS = 1e-3  # frames: where a held ("constant") value ends before the next key


def sample_times(keys: Keys) -> list[float]:
    """The time codes at which ``keys`` is sampled so USD's linear interpolation agrees."""
    f = keys.frames
    if keys.frames.size == 1:
        return [float(f[0])]
    if keys.interpolation == "linear":
        return [float(t) for t in f]
    if keys.interpolation == "constant":
        out = [float(f[0])]
        for t in f[1:]:
            out += [float(t) - STEP_EPS, float(t)]
        return out
    whole = np.arange(math.ceil(f[0]), math.floor(f[-1]) + 1, dtype=np.float64)
    return sorted(set(np.concatenate([f, whole]).tolist()))


def _is_static(keys: Keys) -> bool:
    v = keys.values
    return keys.frames.size == 1 or bool(np.all(v == v[0]))


class _Writer:
    def __init__(self, scene: Scene, stage, image_files: dict):
        from pxr import Sdf, UsdGeom

        self.scene, self.stage, self.image_files = scene, stage, image_files
        self.Sdf, self.UsdGeom = Sdf, UsdGeom
        self.names = Names(reserved=("World", "Looks"), host="USD")
        self.materials: dict[str, object] = {}

    # -- helpers ----------------------------------------------------------------------------
    def set_keys(self, attr, keys: Keys, convert):
        """Author ``keys`` on ``attr``: a default value when static, else baked time samples."""
        if _is_static(keys):
            attr.Set(convert(keys.values[0]))
            return
        for t in sample_times(keys):
            attr.Set(convert(keys.at(t)), t)

    def xform(self, prim_xf, tf, *, scale=True):
        from pxr import Gf

        ops = (
            (tf.location, prim_xf.AddTranslateOp, lambda v: Gf.Vec3d(*map(float, v)), (0, 0, 0)),
            (
                tf.rotation,
                prim_xf.AddRotateXYZOp,
                lambda v: Gf.Vec3f(*map(float, np.degrees(v))),
                (0, 0, 0),
            ),
            (tf.scale, prim_xf.AddScaleOp, lambda v: Gf.Vec3f(*map(float, v)), (1, 1, 1)),
        )
        for keys, add, convert, identity in ops:
            if not scale and add == prim_xf.AddScaleOp:
                continue
            if _is_static(keys) and np.allclose(keys.values[0], identity, rtol=0, atol=0):
                continue
            self.set_keys(add(), keys, convert)

    def material(self, name: str):
        """A UsdPreviewSurface material (atlas texture / vertex colour as the IR asks)."""
        if name in self.materials:
            return self.materials[name]
        from pxr import Sdf, UsdShade

        mat = self.scene.materials[name]
        path = f"/World/Looks/{self.names.take(name)}"
        material = UsdShade.Material.Define(self.stage, path)
        shader = UsdShade.Shader.Define(self.stage, f"{path}/surface")
        shader.CreateIdAttr("UsdPreviewSurface")
        lin = srgb_to_linear(np.asarray(mat.color, dtype=np.float64))
        colour = tuple(float(c) for c in lin[:3])
        diffuse = shader.CreateInput("diffuseColor", Sdf.ValueTypeNames.Color3f)
        shader.CreateInput("roughness", Sdf.ValueTypeNames.Float).Set(float(mat.roughness))
        shader.CreateInput("metallic", Sdf.ValueTypeNames.Float).Set(float(mat.metallic))
        if lin[3] < 1:
            shader.CreateInput("opacity", Sdf.ValueTypeNames.Float).Set(float(lin[3]))
        if mat.emission > 0:
            shader.CreateInput("emissiveColor", Sdf.ValueTypeNames.Color3f).Set(
                tuple(float(c * mat.emission) for c in lin[:3])
            )
        if mat.texture is not None:
            st_name = material.CreateInput("frame:stPrimvarName", Sdf.ValueTypeNames.String)
            st_name.Set("st")
            reader = UsdShade.Shader.Define(self.stage, f"{path}/st_reader")
            reader.CreateIdAttr("UsdPrimvarReader_float2")
            reader.CreateInput("varname", Sdf.ValueTypeNames.String).ConnectToSource(st_name)
            tex = UsdShade.Shader.Define(self.stage, f"{path}/atlas")
            tex.CreateIdAttr("UsdUVTexture")
            tex.CreateInput("file", Sdf.ValueTypeNames.Asset).Set(
                Sdf.AssetPath("./" + self.image_files[mat.texture])
            )
            tex.CreateInput("sourceColorSpace", Sdf.ValueTypeNames.Token).Set("sRGB")
            tex.CreateInput("wrapS", Sdf.ValueTypeNames.Token).Set("clamp")
            tex.CreateInput("wrapT", Sdf.ValueTypeNames.Token).Set("clamp")
            tex.CreateInput("scale", Sdf.ValueTypeNames.Float4).Set((*colour, 1.0))
            tex.CreateInput("st", Sdf.ValueTypeNames.Float2).ConnectToSource(
                reader.ConnectableAPI(), "result"
            )
            tex.CreateOutput("rgb", Sdf.ValueTypeNames.Float3)
            diffuse.ConnectToSource(tex.ConnectableAPI(), "rgb")
        elif mat.use_vertex_color:
            reader = UsdShade.Shader.Define(self.stage, f"{path}/colour_reader")
            reader.CreateIdAttr("UsdPrimvarReader_float3")
            reader.CreateInput("varname", Sdf.ValueTypeNames.String).Set("displayColor")
            reader.CreateOutput("result", Sdf.ValueTypeNames.Float3)
            diffuse.ConnectToSource(reader.ConnectableAPI(), "result")
        else:
            diffuse.Set(colour)
        material.CreateSurfaceOutput().ConnectToSource(shader.ConnectableAPI(), "surface")
        self.materials[name] = material
        return material

    def bind(self, prim, material_name: str):
        from pxr import UsdShade

        UsdShade.MaterialBindingAPI.Apply(prim).Bind(self.material(material_name))

    def mesh_prim(self, path: str, verts, faces, uvs=None, colours=None):
        from pxr import Sdf, Vt

        UsdGeom = self.UsdGeom
        mesh = UsdGeom.Mesh.Define(self.stage, path)
        faces = np.asarray(faces, dtype=np.int64)
        mesh.CreateFaceVertexCountsAttr(
            Vt.IntArray.FromNumpy(np.full(len(faces), faces.shape[1], np.int32))
        )
        mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(faces.reshape(-1).astype(np.int32)))
        mesh.CreateSubdivisionSchemeAttr("none")
        if verts is not None:
            mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(np.asarray(verts, np.float32)))
            mesh.CreateExtentAttr(_extent(verts))
        pv = UsdGeom.PrimvarsAPI(mesh)
        if uvs is not None:
            st = pv.CreatePrimvar("st", Sdf.ValueTypeNames.TexCoord2fArray, UsdGeom.Tokens.vertex)
            st.Set(Vt.Vec2fArray.FromNumpy(np.asarray(uvs, np.float32)))
        if colours is not None:
            dc = pv.CreatePrimvar(
                "displayColor", Sdf.ValueTypeNames.Color3fArray, UsdGeom.Tokens.vertex
            )
            dc.Set(Vt.Vec3fArray.FromNumpy(np.asarray(colours[:, :3], np.float32)))
        return mesh

    # -- items ------------------------------------------------------------------------------
    def mesh(self, item: Mesh, parent: str):
        from pxr import Vt

        path = f"{parent}/{self.names.take(item.name)}"
        cols = srgb_to_linear(item.colors) if item.colors is not None else None
        states = item.states
        rest = item.vertices if states is None else states.values[0]
        mesh = self.mesh_prim(path, rest, item.faces, item.uvs, cols)
        if cols is None:
            lin = srgb_to_linear(np.asarray(self.scene.materials[item.material].color, float))
            mesh.CreateDisplayColorAttr([tuple(float(c) for c in lin[:3])])
        if states is not None and not _is_static(states):
            pts, ext = mesh.GetPointsAttr(), mesh.GetExtentAttr()
            for t in sample_times(states):
                v = states.at(t)
                pts.Set(Vt.Vec3fArray.FromNumpy(v.astype(np.float32)), t)
                ext.Set(_extent(v), t)
        self.xform(mesh, item.transform)
        self.bind(mesh.GetPrim(), item.material)

    def points(self, item: PointSet, parent: str):
        from pxr import Sdf, Vt

        UsdGeom, scene = self.UsdGeom, self.scene
        name = self.names.take(item.name)
        path = f"{parent}/{name}"
        inst = UsdGeom.PointInstancer.Define(self.stage, path)
        self.xform(inst, item.transform)
        base_v, base_uv, faces = unit_square() if item.shape == "square" else uv_sphere()
        verts = base_v * item.radius
        protos = []
        if item.atlas is not None and item.tiles is not None:
            tiles, proto_of = np.unique(np.asarray(item.tiles), return_inverse=True)
            rects = scene.images[item.atlas].tile_uv(tiles)
        else:
            tiles, proto_of, rects = np.zeros(1, np.int64), np.zeros(item.count, np.int64), None
        for k in range(len(tiles)):
            uv = base_uv
            if rects is not None:
                u0, v0, u1, v1 = rects[k]
                uv = np.stack([u0 + base_uv[:, 0] * (u1 - u0), v0 + base_uv[:, 1] * (v1 - v0)], 1)
            proto = self.mesh_prim(
                f"{path}/prototypes/{name}_tile{int(tiles[k])}", verts, faces, uv
            )
            self.bind(proto.GetPrim(), item.material)
            protos.append(proto.GetPath())
        inst.CreatePrototypesRel().SetTargets(protos)
        inst.CreateProtoIndicesAttr(Vt.IntArray.FromNumpy(proto_of.reshape(-1).astype(np.int32)))
        pos = inst.CreatePositionsAttr()
        self.set_keys(pos, item.positions, lambda v: Vt.Vec3fArray.FromNumpy(v.astype(np.float32)))
        mat = scene.materials[item.material]
        tint = srgb_to_linear(np.asarray(mat.color, float))[:3]
        dc = UsdGeom.PrimvarsAPI(inst).CreatePrimvar(
            "displayColor", Sdf.ValueTypeNames.Color3fArray, UsdGeom.Tokens.vertex
        )
        self.set_keys(
            dc,
            item.colors,
            lambda c: Vt.Vec3fArray.FromNumpy((srgb_to_linear(c)[:, :3] * tint).astype(np.float32)),
        )

    def label(self, item: Label, parent: str):
        from pxr import Sdf

        xf = self.UsdGeom.Xform.Define(self.stage, f"{parent}/{self.names.take(item.name)}")
        prim = xf.GetPrim()
        prim.CreateAttribute("galaxyreel:text", Sdf.ValueTypeNames.String).Set(item.text)
        prim.CreateAttribute("galaxyreel:size", Sdf.ValueTypeNames.Double).Set(float(item.size))
        prim.CreateAttribute("galaxyreel:align", Sdf.ValueTypeNames.Token).Set(item.align)
        prim.CreateAttribute("galaxyreel:material", Sdf.ValueTypeNames.String).Set(item.material)
        self.xform(xf, item.transform)

    def light(self, item: Light, parent: str):
        from pxr import UsdLux

        path = f"{parent}/{self.names.take(item.name)}"
        lin = tuple(float(c) for c in srgb_to_linear(np.asarray(item.color, float)))
        if item.kind == "sun":
            light = UsdLux.DistantLight.Define(self.stage, path)
            light.CreateAngleAttr(float(np.degrees(item.size)))
        elif item.kind == "point":
            light = UsdLux.SphereLight.Define(self.stage, path)
            light.CreateRadiusAttr(0.05)
            light.CreateNormalizeAttr(True)
        elif item.kind == "area":
            light = UsdLux.RectLight.Define(self.stage, path)
            light.CreateWidthAttr(float(item.size))
            light.CreateHeightAttr(float(item.size))
            light.CreateNormalizeAttr(True)
        else:
            raise SceneError(f"light {item.name!r}: unknown kind {item.kind!r}")
        light.CreateIntensityAttr(float(item.energy))
        light.CreateColorAttr(lin)
        self.xform(light, item.transform, scale=False)

    def camera(self, cam: Camera, parent: str) -> str:
        from pxr import Gf

        path = f"{parent}/{self.names.take(cam.name)}"
        c = self.UsdGeom.Camera.Define(self.stage, path)
        w, h = self.scene.resolution
        # Focal length and apertures in mm: only their ratio sets the field of view.
        c.CreateHorizontalApertureAttr(float(cam.sensor_width))
        c.CreateVerticalApertureAttr(float(cam.sensor_width * h / w))
        c.CreateClippingRangeAttr(Gf.Vec2f(float(cam.clip_start), float(cam.clip_end)))
        self.set_keys(c.CreateFocalLengthAttr(), cam.focal_length, lambda v: float(np.ravel(v)[0]))
        self.xform(c, cam.transform, scale=False)
        return path

    def build(self):
        from pxr import Vt

        stage, scene, UsdGeom = self.stage, self.scene, self.UsdGeom
        UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
        UsdGeom.SetStageMetersPerUnit(stage, 1.0)
        stage.SetStartTimeCode(scene.frame_start)
        stage.SetEndTimeCode(scene.frame_end)
        stage.SetFramesPerSecond(scene.fps)
        stage.SetTimeCodesPerSecond(scene.fps)
        world = UsdGeom.Xform.Define(stage, "/World")
        stage.SetDefaultPrim(world.GetPrim())
        self.stage.DefinePrim("/World/Looks", "Scope")
        for light in scene.lights:
            self.light(light, "/World")
        shots = []
        start, end = scene.frame_start, scene.frame_end
        for shot in sorted(scene.shots, key=lambda s: s.first_frame):
            path = f"/World/{self.names.take('shot_' + shot.name)}"
            grp = UsdGeom.Xform.Define(stage, path)
            vis = grp.CreateVisibilityAttr()
            if shot.first_frame > start or shot.last_frame < end:
                if shot.first_frame > start:
                    vis.Set(UsdGeom.Tokens.invisible, start)
                vis.Set(UsdGeom.Tokens.inherited, shot.first_frame)
                if shot.last_frame < end:
                    vis.Set(UsdGeom.Tokens.invisible, shot.last_frame + 1)
            cam = self.camera(shot.camera, path)
            shots.append(
                {
                    "name": shot.name,
                    "title": shot.title,
                    "first_frame": shot.first_frame,
                    "last_frame": shot.last_frame,
                    "camera": cam,
                }
            )
            handlers = {
                Mesh: self.mesh,
                PointSet: self.points,
                Label: self.label,
                Light: self.light,
            }
            for item in shot.items:
                visit(item, handlers, path)
        layer = stage.GetRootLayer()
        layer.customLayerData = {
            "galaxyreel": {
                # A dict of dicts (USD metadata cannot hold a list of dictionaries).
                "shots": {f"{i:03d}": s for i, s in enumerate(shots)},
                "resolution": Vt.IntArray(list(scene.resolution)),
                "quality": scene.quality,
                "background": Vt.DoubleArray([float(c) for c in scene.background]),
            }
        }
        layer.documentation = (
            "galaxyreel scene: one Xform per shot, visible during its frames; render each shot "
            "with the camera listed in customLayerData galaxyreel.shots."
        )


def _extent(v) -> list:
    v = np.asarray(v, dtype=np.float64)
    if v.size == 0:
        return [(0.0, 0.0, 0.0), (0.0, 0.0, 0.0)]
    return [tuple(map(float, v.min(axis=0))), tuple(map(float, v.max(axis=0)))]


def write_usd(scene: Scene, path: Path) -> Path:
    """Write ``scene`` as USD at ``path`` (``.usda`` text, ``.usdc``/``.usd`` binary).

    The atlas PNGs go beside it, referenced relatively. Atomic (a temp layer, then rename);
    IR names USD would reject are renamed with one MayaNameWarning listing them.
    """
    check_scene(scene)
    path = Path(path)
    if path.suffix not in SUFFIXES:
        raise SceneError(f"cannot write {path}: a USD file must end in {', '.join(SUFFIXES)}")
    folder = path.parent
    if not folder.is_dir():
        raise SceneError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise SceneError(f"cannot write {path}: folder {folder} is not writable")
    from pxr import Sdf, Usd

    image_files = {name: f"{img.name}.png" for name, img in scene.images.items()}
    tmp = folder / f".{path.stem}.{os.getpid()}.tmp{path.suffix}"
    try:
        layer = Sdf.Layer.CreateNew(
            str(tmp), args={"format": "usdc"} if path.suffix == ".usd" else {}
        )
        stage = Usd.Stage.Open(layer)
        writer = _Writer(scene, stage, image_files)
        writer.build()
        write_images(scene.images, folder)
        layer.Save()
        del stage, layer
        os.replace(tmp, path)
    except OSError as exc:
        raise SceneError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except Exception as exc:  # pxr raises Tf.ErrorException for an unwritable layer
        if isinstance(exc, SceneError):
            raise
        raise SceneError(f"cannot write {path}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    writer.names.report(str(path))
    return path
