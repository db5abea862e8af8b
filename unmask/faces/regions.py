"""Named groups of the 478-point MediaPipe face mesh, so signals say ``LEFT_EYE`` instead of numbers.

"Left" and "right" are the subject's: the subject's right eye is on the image's left in a frontal photo.
Indices follow MediaPipe's canonical face model (face_mesh_connections / face_geometry).
"""

from __future__ import annotations

RIGHT_EYE_EAR = (33, 160, 158, 133, 153, 144)
"""corner, upper lid x2, corner, lower lid x2: the six points of the eye aspect ratio (Soukupova & Cech 2016)."""
LEFT_EYE_EAR = (362, 385, 387, 263, 373, 380)
RIGHT_EYE_CONTOUR = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
LEFT_EYE_CONTOUR = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
RIGHT_IRIS = (468, 469, 470, 471, 472)
"""Centre first, then four points on the iris rim (present only in the 478-point refined mesh)."""
LEFT_IRIS = (473, 474, 475, 476, 477)
RIGHT_EYEBROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
LEFT_EYEBROW = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
LIPS_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
LIPS_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191)
MOUTH_CORNERS = (61, 291)
INNER_LIP_TOP, INNER_LIP_BOTTOM = 13, 14
NOSE_TIP = 1
NOSE_BRIDGE = (168, 6, 197, 195, 5, 4, 1)
CHIN = 152
FOREHEAD = 10
FACE_OVAL = (
    10,
    338,
    297,
    332,
    284,
    251,
    389,
    356,
    454,
    323,
    361,
    288,
    397,
    365,
    379,
    378,
    400,
    377,
    152,
    148,
    176,
    149,
    150,
    136,
    172,
    58,
    132,
    93,
    234,
    127,
    162,
    21,
    54,
    103,
    67,
    109,
)
"""The outline of the face from the forehead round the jaw: where a pasted face meets its host."""
CENTRAL_FACE = (1, 4, 5, 6, 168, 197, 195, 33, 133, 362, 263, 61, 291, 13, 14, 0, 17)
"""Eyes, nose and mouth: the region a face swap replaces."""
