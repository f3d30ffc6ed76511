#include <stdio.h>
#include <stdlib.h>
#include <time.h>
void cblas_sgemm(int,int,int,int,int,int,float,const float*,int,const float*,int,float,float*,int);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(){
  // conv2 forward shape: M=32 (cout), N=64*64 (pixels), K=16*9+1
  int shapes[][3]={{32,4096,145},{64,1024,289},{64,256,577},{16,16384,10}};
  for(int s=0;s<4;s++){int M=shapes[s][0],N=shapes[s][1],K=shapes[s][2];
    float*A=malloc(4*M*K),*B=malloc(4*K*N),*C=malloc(4*M*N);
    for(int i=0;i<M*K;i++)A[i]=rand()/(float)RAND_MAX; for(int i=0;i<K*N;i++)B[i]=rand()/(float)RAND_MAX;
    int it=200; for(int i=0;i<20;i++) cblas_sgemm(101,111,111,M,N,K,1,A,K,B,N,0,C,N);
    double t=now(); for(int i=0;i<it;i++) cblas_sgemm(101,111,111,M,N,K,1,A,K,B,N,0,C,N); t=now()-t;
    printf("M%d N%d K%d: %.1f GFLOP/s\n",M,N,K,2.0*M*N*K*it/t/1e9);}
}
