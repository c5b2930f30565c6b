package dev.dualproc.world;

/** The sun or the moon: a disc in the sky, never touching an object. */
public record Celestial(String kind, double centreX, double centreY, double radius, int rgb) {}
