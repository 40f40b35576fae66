"""The vision layer: classical image and video operations the footage-faithful tasks and the
mask tools build on (optical flow, warping, propagation, blending, frequency split, GrabCut).

Numpy and OpenCV only: no torch, no Qt, no pipeline, no weights. Frames are uint8 (H, W, 3)
RGB or (T, H, W, 3); flows are float32 (H, W, 2) in pixels, (dx, dy), mapping a pixel of the
first frame to where it is in the second.
"""
