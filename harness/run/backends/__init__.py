"""Engines that run cells: Docker today."""
