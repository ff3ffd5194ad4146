"""The static checker behind `ttminis lint`."""
