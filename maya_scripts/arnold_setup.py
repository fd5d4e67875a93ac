"""Arnold render settings, AOVs and the render camera for an opened galaxyreel scene.

In Maya (Script Editor, Python) or mayapy after ``cmds.file(path, open=True)``::

    from maya_scripts import arnold_setup
    arnold_setup.apply(quality="final", camera="tsne_camera")

:func:`settings` (pure, tested outside Maya) decides the values; :func:`apply` sets them.
"""

from __future__ import annotations

import math

QUALITY = {
    # camera (AA) samples per pixel side, diffuse/specular ray samples
    "preview": {"AASamples": 3, "GIDiffuseSamples": 1, "GISpecularSamples": 1},
    "final": {"AASamples": 6, "GIDiffuseSamples": 3, "GISpecularSamples": 2},
}
AOVS = ("diffuse", "specular", "emission", "coat", "Z", "N")


def settings(quality="preview", samples=None, width=1280, height=720):
    """{node.attribute: value} for Arnold; ``samples`` (per pixel) overrides the quality's AA."""
    if quality not in QUALITY:
        raise ValueError(f"quality {quality!r}: use one of {sorted(QUALITY)}")
    out = {f"defaultArnoldRenderOptions.{k}": v for k, v in QUALITY[quality].items()}
    if samples is not None:
        out["defaultArnoldRenderOptions.AASamples"] = max(1, int(round(math.sqrt(samples))))
    out.update(
        {
            "defaultRenderGlobals.currentRenderer": "arnold",
            "defaultRenderGlobals.imageFormat": 32,  # png
            "defaultArnoldDriver.aiTranslator": "png",
            "defaultResolution.width": int(width),
            "defaultResolution.height": int(height),
            "defaultResolution.deviceAspectRatio": width / height,
            "defaultRenderGlobals.animation": 1,
            "defaultRenderGlobals.putFrameBeforeExt": 1,
            "defaultRenderGlobals.extensionPadding": 4,
        }
    )
    return out


def apply(quality="preview", samples=None, camera=None, aovs=AOVS):
    """Load MtoA, set render options and AOVs, make ``camera`` the only renderable one."""
    from maya import cmds

    if not cmds.pluginInfo("mtoa", query=True, loaded=True):
        cmds.loadPlugin("mtoa")
    import mtoa.aovs
    import mtoa.core

    mtoa.core.createOptions()
    width = cmds.getAttr("defaultResolution.width")
    height = cmds.getAttr("defaultResolution.height")
    for plug, value in settings(quality, samples, width, height).items():
        if isinstance(value, str):
            cmds.setAttr(plug, value, type="string")
        else:
            cmds.setAttr(plug, value)
    interface = mtoa.aovs.AOVInterface()
    existing = {a.name for a in interface.getAOVs()}
    for name in aovs:
        if name not in existing:
            interface.addAOV(name)
    if camera:
        for shape in cmds.ls(type="camera"):
            cmds.setAttr(shape + ".renderable", False)
        shape = cmds.listRelatives(camera, shapes=True, type="camera") or [camera]
        cmds.setAttr(shape[0] + ".renderable", True)
