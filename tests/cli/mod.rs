mod ground;
