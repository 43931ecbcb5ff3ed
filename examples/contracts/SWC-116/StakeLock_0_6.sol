// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.6.12;

/// @title StakeLock
/// @notice Locks each stake for "30 days", measured as a block count that assumes
///         a fixed block time. Block times drift, so the real lock period does too.
contract StakeLock {
    uint256 public constant BLOCKS_PER_DAY = 6500;
    uint256 public constant LOCK_BLOCKS = BLOCKS_PER_DAY * 30;
    mapping(address => uint256) public stake;
    mapping(address => uint256) public lockedAtBlock;

    event Staked(address indexed account, uint256 amount);
    event Unstaked(address indexed account, uint256 amount);

    function deposit() external payable {
        require(msg.value > 0, "nothing to stake");
        require(stake[msg.sender] == 0, "already staking");
        stake[msg.sender] = msg.value;
        lockedAtBlock[msg.sender] = block.number;
        emit Staked(msg.sender, msg.value);
    }

    function withdraw() external {
        uint256 amount = stake[msg.sender];
        require(amount > 0, "no stake");
        require(block.number >= lockedAtBlock[msg.sender] + LOCK_BLOCKS, "still locked"); // SWC-116
        stake[msg.sender] = 0;
        lockedAtBlock[msg.sender] = 0;
        msg.sender.transfer(amount);
        emit Unstaked(msg.sender, amount);
    }
}
