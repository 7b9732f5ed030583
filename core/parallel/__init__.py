"""Data-parallel runs under torchrun: who this process is (`world`), how a global batch is split
(`sharding`), how the leader (rank 0) keeps the other ranks in step (`lockstep`), and what to say
when a rank is gone (`peers`). PyTorch's own torchrun and DistributedDataParallel do the work;
nothing here launches processes or reimplements a collective."""
