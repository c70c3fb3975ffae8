"""Fig 12: symmetric stencils and rotation augmentation, on rotated and mirrored inputs."""
