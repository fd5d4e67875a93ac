"""Code that runs inside Maya (Script Editor or mayapy): standard library + ``maya.cmds`` only.

* ``import_scene.build(folder)`` — recreate an ``export_for_maya`` folder as live objects;
  ``import_scene.install_shelf_button()`` adds a shelf button for it.
* ``arnold_setup.apply(quality, camera=...)`` — Arnold options, AOVs, the render camera.
* ``batch_render.py scene.ma --out DIR [--frames A-B]`` — one ``Render -cam`` call per shot.

Nothing here imports Maya at import time, so the data-preparation halves are tested outside it.
"""
