"""pvpython script: load a galaxyreel VTK export, glyph the catalog, set up a (ray-traced) view.

Run it with ParaView's own Python, not the project's venv::

    pvpython galaxyreel_pv.py OUT/galaxyreel.pvd --screenshot tsne.png
    pvpython galaxyreel_pv.py OUT/galaxyreel.pvd --layer surfaces --animation frames/surf.png
    pvpython galaxyreel_pv.py OUT/galaxyreel.pvd --state galaxyreel.pvsm   # open in the GUI

Without a display, add ``--force-offscreen-rendering`` and, for ParaView builds that use GLX
(Debian's), run under ``xvfb-run -a``. The series ``.pvd`` files beside the combined one are
loaded separately (``galaxyreel_vtk/tsne.pvd``, ``galaxyreel_vtk/surface_*.pvd``), so each gets
its own representation without block extraction, which changed API between ParaView versions.

Ray tracing: ``--raytrace auto`` (default) uses OSPRay's path tracer when this ParaView was built
with it and falls back to OpenGL otherwise (Debian 12's 5.11 package has no OSPRay);
``--raytrace on`` insists. Only ``paraview.simple`` is used, so it runs on ParaView 5.9-5.13.
"""

import argparse
import glob
import json
import os
import sys

from paraview import servermanager
from paraview.simple import (
    ColorBy,
    CreateView,
    GetAnimationScene,
    GetColorTransferFunction,
    Glyph,
    PVDReader,
    Render,
    SaveAnimation,
    SaveScreenshot,
    SaveState,
    SetActiveView,
    Show,
)

CATEGORIES = ("elliptical", "spiral", "misclassified")
SRGB = {  # the film's default look (scene_builders/vtk_export.py CATEGORY_SRGB)
    "elliptical": (1.0, 0.78, 0.18),
    "spiral": (0.22, 0.52, 1.0),
    "misclassified": (1.0, 0.12, 0.08),
}
BACKGROUND = (0.012, 0.016, 0.035)


def parse(argv):
    p = argparse.ArgumentParser(prog="galaxyreel_pv.py", description=__doc__.splitlines()[0])
    p.add_argument("pvd", help="galaxyreel.pvd written by `galaxyreel scene --to paraview`")
    p.add_argument("--screenshot", help="save one frame to this PNG")
    p.add_argument("--animation", help="save every time step, e.g. frames/tsne.png")
    p.add_argument("--state", help="save a ParaView state file (.pvsm) for the GUI")
    p.add_argument(
        "--time",
        type=float,
        nargs="+",
        help="training step(s) to show (default: the last); with several, --screenshot "
        "X.png writes X.0.png, X.1.png, ...",
    )
    p.add_argument("--size", default="1280x720", help="image size WxH (default 1280x720)")
    p.add_argument("--layer", choices=("tsne", "surfaces", "both"), default="tsne")
    p.add_argument("--radius", type=float, default=0.025, help="sphere radius (box is [-1, 1]^3)")
    p.add_argument("--raytrace", choices=("auto", "on", "off"), default="auto")
    p.add_argument("--samples", type=int, default=16, help="path-tracer samples per pixel")
    p.add_argument("--resolution", type=int, default=16, help="sphere glyph theta/phi divisions")
    return p.parse_args(argv)


def ospray_available(view=None):
    """True when this ParaView was built with OSPRay: the ray-tracing module imports and, given
    a view, its ``BackEnd`` property offers the OSPRay path tracer."""
    try:
        import vtkmodules.vtkRenderingRayTracing  # noqa: F401
    except ImportError:
        return False
    if view is None:
        return True
    available = getattr(view.GetProperty("BackEnd"), "Available", None)
    return available is None or "OSPRay pathtracer" in available


def series_files(pvd):
    folder = os.path.join(os.path.dirname(os.path.abspath(pvd)), "galaxyreel_vtk")
    tsne = os.path.join(folder, "tsne.pvd")
    surfaces = sorted(glob.glob(os.path.join(folder, "surface_*.pvd")))
    if not os.path.exists(tsne):
        sys.exit(f"galaxyreel_pv: {tsne} is missing; is {pvd} a galaxyreel export?")
    return tsne, surfaces


def category_lut():
    lut = GetColorTransferFunction("category")
    lut.InterpretValuesAsCategories = 1
    lut.Annotations = [str(i) for name in CATEGORIES for i in [CATEGORIES.index(name), name]]
    lut.IndexedColors = [c for name in CATEGORIES for c in SRGB[name]]
    return lut


def probe_class(reader):
    """The probe's class from the surface's field data ('spiral' / 'elliptical')."""
    data = servermanager.Fetch(reader)
    it = data.NewIterator() if hasattr(data, "NewIterator") else None
    block = data
    if it is not None:
        it.InitTraversal()
        block = it.GetCurrentDataObject()
    arr = block.GetFieldData().GetAbstractArray("probe_class") if block else None
    return arr.GetValue(0) if arr is not None else "spiral"


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    tsne_pvd, surface_pvds = series_files(args.pvd)

    view = CreateView("RenderView")
    SetActiveView(view)
    view.ViewSize = [width, height]
    view.Background = list(BACKGROUND)
    if hasattr(view, "UseColorPaletteForBackground"):
        view.UseColorPaletteForBackground = 0
    view.OrientationAxesVisibility = 0

    shown = {}
    if args.layer in ("tsne", "both"):
        points = PVDReader(registrationName="tsne", FileName=tsne_pvd)
        spheres = Glyph(registrationName="spheres", Input=points, GlyphType="Sphere")
        spheres.ScaleArray = ["POINTS", "No scale array"]
        spheres.OrientationArray = ["POINTS", "No orientation array"]
        spheres.ScaleFactor = 2.0 * args.radius
        spheres.GlyphMode = "All Points"
        spheres.GlyphType.ThetaResolution = args.resolution
        spheres.GlyphType.PhiResolution = args.resolution
        disp = Show(spheres, view)
        ColorBy(disp, ("POINTS", "category"))
        disp.LookupTable = category_lut()
        disp.Specular = 0.3
        shown["tsne"] = points
    if args.layer in ("surfaces", "both"):
        for path in surface_pvds:
            name = os.path.splitext(os.path.basename(path))[0]
            surf = PVDReader(registrationName=name, FileName=path)
            disp = Show(surf, view)
            ColorBy(disp, None)
            disp.AmbientColor = disp.DiffuseColor = list(SRGB.get(probe_class(surf), (0.8,) * 3))
            disp.Opacity = 0.85 if len(surface_pvds) > 1 else 1.0
            if args.layer == "both":
                disp.Position = [0.0, 0.0, -1.6]  # below the t-SNE box
            shown[name] = surf

    raytraced = False
    if args.raytrace != "off":
        if ospray_available(view):
            view.EnableRayTracing = 1
            view.BackEnd = "OSPRay pathtracer"
            view.SamplesPerPixel = args.samples
            view.Shadows = 1
            raytraced = True
        elif args.raytrace == "on":
            sys.exit("galaxyreel_pv: this ParaView was built without OSPRay; use --raytrace off")

    scene = GetAnimationScene()
    scene.UpdateAnimationUsingDataTimeSteps()
    times = list(scene.TimeKeeper.TimestepValues) or [0.0]
    wanted = [times[-1]] if not args.time else args.time

    view.CameraFocalPoint = [
        0.0,
        0.0,
        -0.3 if args.layer == "both" else 0.2 * (args.layer == "surfaces"),
    ]
    view.CameraPosition = [2.8, -3.5, 2.1] if args.layer != "surfaces" else [0.3, -3.6, 2.4]
    view.CameraViewUp = [0.0, 0.0, 1.0]
    view.CameraViewAngle = 30.0

    shots = []
    for i, t in enumerate(wanted):
        scene.AnimationTime = t
        view.ViewTime = t
        Render(view)
        if args.screenshot:
            path = args.screenshot
            if len(wanted) > 1:
                stem, ext = os.path.splitext(path)
                path = f"{stem}.{i}{ext}"
            SaveScreenshot(path, view, ImageResolution=[width, height])
            shots.append(path)

    if args.animation:
        SaveAnimation(args.animation, view, ImageResolution=[width, height])
    if args.state:
        SaveState(args.state)
    info = {
        "times": wanted,
        "screenshots": shots,
        "timesteps": len(times),
        "layers": sorted(shown),
        "raytraced": raytraced,
        "ospray_available": ospray_available(view),
        "paraview": servermanager.vtkSMProxyManager.GetParaViewSourceVersion(),
    }
    print("galaxyreel_pv " + json.dumps(info), flush=True)


if __name__ == "__main__":
    main()
