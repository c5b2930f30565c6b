package dev.dualproc.world;

/** Photo: gradients, no outlines. Drawing: flat fills, dark outlines of a measurable stroke weight. */
public enum Style { PHOTO, DRAWING }
