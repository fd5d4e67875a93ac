"""The strict reader itself, checked against text Maya writes (short fragments reproduced here)."""

from __future__ import annotations

import numpy as np
import pytest
from ma_reader import MaError, curve, face_vertices, parse, plug_value

# A default polyCube as Maya 2019+ writes it (its mesh block, verbatim apart from the uid line).
MAYA_CUBE = """//Maya ASCII 2019 scene
//Name: example.ma
requires maya "2019";
currentUnit -l centimeter -a degree -t film;
fileInfo "application" "maya";
createNode transform -n "target";
\tsetAttr ".v" no;
createNode mesh -n "targetShape" -p "target";
\tsetAttr -k off ".v";
\tsetAttr ".vir" yes;
\tsetAttr ".vif" yes;
\tsetAttr ".uvst[0].uvsn" -type "string" "map1";
\tsetAttr -s 14 ".uvst[0].uvsp[0:13]" -type "float2" 0.375 0 0.625 0 0.375
\t\t 0.25 0.625 0.25 0.375 0.5 0.625 0.5 0.375 0.75 0.625 0.75 0.375 1 0.625 1 0.875 0
\t\t 0.875 0.25 0.125 0 0.125 0.25;
\tsetAttr ".cuvs" -type "string" "map1";
\tsetAttr ".dcc" -type "string" "Ambient+Diffuse";
\tsetAttr ".covm[0]"  0 1 1;
\tsetAttr ".cdvm[0]"  0 1 1;
\tsetAttr -s 8 ".vt[0:7]"  -0.5 -0.5 0.5 0.5 -0.5 0.5 -0.5 0.5 0.5 0.5 0.5 0.5
\t\t -0.5 0.5 -0.5 0.5 0.5 -0.5 -0.5 -0.5 -0.5 0.5 -0.5 -0.5;
\tsetAttr -s 12 ".ed[0:11]"  0 1 0 2 3 0 4 5 0 6 7 0 0 2 0 1 3 0 2 4 0
\t\t 3 5 0 4 6 0 5 7 0 6 0 0 7 1 0;
\tsetAttr -s 6 -ch 24 ".fc[0:5]" -type "polyFaces"
\t\tf 4 0 5 -2 -5
\t\tmu 0 4 0 1 3 2
\t\tf 4 1 7 -3 -7
\t\tmu 0 4 2 3 5 4
\t\tf 4 2 9 -4 -9
\t\tmu 0 4 4 5 7 6
\t\tf 4 3 11 -1 -11
\t\tmu 0 4 6 7 9 8
\t\tf 4 -12 -10 -8 -6
\t\tmu 0 4 1 10 11 3
\t\tf 4 10 4 6 8
\t\tmu 0 4 12 0 2 13;
\tsetAttr ".cd" -type "dataPolyComponent" Index_Data Edge 0 ;
\tsetAttr ".cvd" -type "dataPolyComponent" Index_Data Vertex 0 ;
\tsetAttr ".pd[0]" -type "dataPolyComponent" Index_Data UV 0 ;
\tsetAttr ".hfd" -type "dataPolyComponent" Index_Data Face 0 ;
"""

# A plane with one face (Maya writes -ch without -s for a single face), a chunked .vt with
# Maya's header form, keyed curves (auto tangents written as linear here), a visibility curve
# with step out-tangents, and a Lambert shading group wired as Maya wires it.
MAYA_MISC = """//Maya ASCII 2024 scene
requires maya "2024";
currentUnit -l centimeter -a degree -t film;
createNode transform -n "pPlane1";
\tsetAttr ".t" -type "double3" 1 2 3 ;
createNode mesh -n "pPlaneShape1" -p "pPlane1";
\tsetAttr -k off ".v";
\tsetAttr ".uvst[0].uvsn" -type "string" "map1";
\tsetAttr -s 4 ".uvst[0].uvsp[0:3]" -type "float2" 0 0 1 0 0 1 1 1;
\tsetAttr -s 4 ".vt";
\tsetAttr ".vt[0:1]"  0 0 0 3 0 0;
\tsetAttr ".vt[2:3]"  0 0 -3 3 0 -3;
\tsetAttr -s 4 ".ed[0:3]"  0 1 0 0 2 0 1 3 0 2 3 0;
\tsetAttr -ch 4 ".fc[0]" -type "polyFaces"
\t\tf 4 0 2 -4 -2
\t\tmu 0 4 0 1 3 2;
createNode animCurveTU -n "pPlane1_visibility";
\tsetAttr ".tan" 9;
\tsetAttr ".wgt" no;
\tsetAttr -s 2 ".ktv[0:1]"  1 1 10 0;
\tsetAttr -s 2 ".kot[0:1]"  5 5;
createNode animCurveTL -n "pPlane1_translateX";
\tsetAttr ".tan" 2;
\tsetAttr ".wgt" no;
\tsetAttr -s 3 ".ktv[0:2]"  1 0 11 10 21 0;
\tsetAttr -s 3 ".kit[0:2]"  2 2 2;
\tsetAttr -s 3 ".kot[0:2]"  2 2 2;
createNode lambert -n "lambert2";
\tsetAttr ".c" -type "float3" 1 0 0 ;
createNode shadingEngine -n "lambert2SG";
\tsetAttr ".ihi" 0;
\tsetAttr ".ro" yes;
createNode materialInfo -n "materialInfo1";
select -ne :time1;
\tsetAttr ".o" 1;
connectAttr "pPlane1_visibility.o" "pPlane1.v";
connectAttr "pPlane1_translateX.o" "pPlane1.tx";
connectAttr "lambert2.oc" "lambert2SG.ss";
connectAttr "pPlaneShape1.iog" "lambert2SG.dsm" -na;
connectAttr "lambert2SG.msg" "materialInfo1.sg";
connectAttr "lambert2.msg" "materialInfo1.m";
connectAttr "lambert2SG.pa" ":renderPartition.st" -na;
connectAttr "lambert2.msg" ":defaultShaderList1.s" -na;
// End of misc.ma
"""


def test_reader_reads_mayas_cube_exactly():
    ma = parse(MAYA_CUBE)
    shape = ma.nodes["targetShape"]
    verts = shape.array(".vt")
    assert verts.shape == (8, 3)
    assert np.array_equal(verts[0], [-0.5, -0.5, 0.5])
    assert shape.array(".uvst[0].uvsp").shape == (14, 2)
    loops = face_vertices(shape)
    assert loops[0] == [0, 1, 3, 2]
    assert len(loops) == 6 and all(len(f) == 4 for f in loops)
    # Every vertex of the cube is used by exactly three faces.
    assert np.array_equal(np.bincount(np.concatenate(loops)), np.full(8, 3))
    assert ma.units == {"-l": "centimeter", "-a": "degree", "-t": "film"}


def test_reader_reads_chunks_single_faces_curves_and_shading():
    ma = parse(MAYA_MISC)
    plane = ma.nodes["pPlaneShape1"]
    assert np.array_equal(plane.array(".vt")[3], [3, 0, -3])
    assert face_vertices(plane) == [[0, 1, 3, 2]]
    vis = curve(ma, "pPlane1_visibility")
    assert [vis.at(f) for f in (0, 1, 9.99, 10, 30)] == [1, 1, 1, 0, 0]
    assert plug_value(ma, "pPlane1", "tx", 6) == pytest.approx(5.0)
    assert plug_value(ma, "pPlane1", "tx", 16) == pytest.approx(5.0)
    assert ("pPlaneShape1.iog", "lambert2SG.dsm", True) in ma.connections


@pytest.mark.parametrize(
    "old, new, problem",
    [
        ('-s 8 ".vt[0:7]"', '-s 9 ".vt[0:7]"', "elements written"),
        ('-s 8 ".vt[0:7]"', '-s 8 ".vt[0:6]"', "values for 7 elements"),
        ('-s 12 ".ed[0:11]"', '-s 12 ".ed[1:12]"', "starts at 1"),
        ("f 4 0 5 -2 -5", "f 4 0 5 -2 -15", "only 12 edges"),
        ("f 4 0 5 -2 -5", "f 4 0 5 2 -5", "closed loop"),
        ("mu 0 4 0 1 3 2", "mu 0 4 0 1 3 20", "mu index"),
        ('-ch 24 ".fc[0:5]"', '-ch 24 ".fc[0:4]"', "6 faces for range"),
        (
            'createNode mesh -n "targetShape" -p "target"',
            'createNode mesh -n "3d" -p "target"',
            "valid",
        ),
        (
            'createNode mesh -n "targetShape" -p "target"',
            'createNode mesh -n "x" -p "nope"',
            "parent",
        ),
    ],
)
def test_reader_rejects_broken_cube(old, new, problem):
    assert old in MAYA_CUBE
    with pytest.raises(MaError, match=problem):
        parse(MAYA_CUBE.replace(old, new, 1))


@pytest.mark.parametrize(
    "old, new, problem",
    [
        ('"lambert2.oc" "lambert2SG.ss"', '"lambert3.oc" "lambert2SG.ss"', "no created node"),
        ('"lambert2.oc" "lambert2SG.ss"', '"lambert2" "lambert2SG.ss"', "no attribute"),
        ('\tsetAttr ".vt[2:3]"  0 0 -3 3 0 -3;\n', "", "4 but 2 elements"),
        ("select -ne :time1;", "parent -s x;", "unknown command"),
        ("1 0 11 10 21 0;", "1 0 11 10 21 0", "13 values for 3 elements"),
    ],
)
def test_reader_rejects_broken_misc(old, new, problem):
    assert old in MAYA_MISC
    with pytest.raises(MaError, match=problem):
        parse(MAYA_MISC.replace(old, new, 1))
